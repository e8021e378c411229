import { CircuitEventType, type CircuitEvent } from '@tailslide/contracts';

/** A Slack message with Block Kit blocks (and `text` as the notification fallback). */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

/** What the message says about the flag. */
export interface AlertSubject {
  readonly appId: string;
  readonly appTitle: string;
  readonly flagKey: string;
  readonly flagTitle: string;
}

const HEADLINE: Record<CircuitEvent['type'], string> = {
  [CircuitEventType.opened]: ':red_circle: Circuit opened',
  [CircuitEventType.recovering]: ':large_yellow_circle: Circuit recovering',
  [CircuitEventType.step]: ':large_yellow_circle: Recovery step',
  [CircuitEventType.closed]: ':large_green_circle: Circuit closed',
};

const SUMMARY: Record<CircuitEvent['type'], string> = {
  [CircuitEventType.opened]:
    'The flag was turned off automatically because its error rate crossed the threshold.',
  [CircuitEventType.recovering]: 'The flag is being re-enabled for part of its rollout.',
  [CircuitEventType.step]: 'More of the rollout was re-admitted.',
  [CircuitEventType.closed]: 'The flag is back to its full rollout.',
};

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Block Kit message for one circuit event. Pure. */
export function slackCircuitMessage(event: CircuitEvent, subject: AlertSubject): SlackMessage {
  const headline = `${HEADLINE[event.type]}: ${subject.flagKey}`;
  const fields: Record<string, unknown>[] = [
    { type: 'mrkdwn', text: `*App*\n${escape(subject.appTitle)} (${subject.appId})` },
    { type: 'mrkdwn', text: `*Flag*\n${escape(subject.flagTitle)} (\`${subject.flagKey}\`)` },
    { type: 'mrkdwn', text: `*Recovery*\n${event.recoveryPercentage}%` },
  ];
  if (event.stats) {
    fields.push({
      type: 'mrkdwn',
      text: `*Error rate*\n${event.stats.errorRatePercentage.toFixed(1)}% (${event.stats.failures}/${event.stats.requests} in ${Math.round(event.stats.windowMs / 1000)} s)`,
    });
  }
  const blocks: Record<string, unknown>[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: headline.replace(/:[a-z_]+: /, ''), emoji: true },
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${HEADLINE[event.type]} — ${SUMMARY[event.type]}` },
    },
    { type: 'section', fields },
  ];
  if (event.reason)
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Reason*: ${escape(event.reason)}` },
    });
  blocks.push({
    type: 'context',
    elements: [
      { type: 'mrkdwn', text: `Tailslide Airbag · ${event.occurredAt} · event \`${event.id}\`` },
    ],
  });
  return {
    text: `${headline} (${subject.appTitle}) — ${event.reason || SUMMARY[event.type]}`,
    blocks,
  };
}
