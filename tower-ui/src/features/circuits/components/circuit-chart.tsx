import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimeSeriesMarkDto } from '@tailslide/contracts';
import type { TimeWindow } from '../api/circuits-api.js';
import type { ChartData } from '../utils/circuit-chart-data.js';

const COLORS = {
  rate: '#d92d20',
  peak: '#7a271a',
  control: '#475467',
  failures: '#e8776f',
  threshold: '#b54708',
  requests: '#2e6be6',
  requestsFill: 'rgba(46, 107, 230, 0.10)',
  failuresFill: 'rgba(217, 45, 32, 0.35)',
  grid: 'rgba(120, 130, 150, 0.18)',
  axis: '#5b6475',
};

/** What a mark says on the chart, by kind (manual: the flag's switch, on or off). */
export function markLabel(mark: TimeSeriesMarkDto): string {
  switch (mark.kind) {
    case 'opened':
      return 'Tripped';
    case 'recovering':
      return 'Recovering';
    case 'step':
      return 'Step';
    case 'closed':
      return 'Closed';
    case 'manual':
      return mark.action.endsWith('_on') ? 'Turned on' : 'Turned off';
  }
}

/**
 * Draws the marks as DOM elements over uPlot's plot area (`u.over`), at their time: a line and a
 * labelled flag a person can read and hover (title: who and why), and a test can find by role.
 */
function drawMarks(u: uPlot, marks: readonly TimeSeriesMarkDto[]): void {
  for (const el of Array.from(u.over.querySelectorAll('.chart__mark'))) el.remove();
  const min = u.scales.x?.min;
  const max = u.scales.x?.max;
  if (min == null || max == null) return;
  const width = u.over.clientWidth;
  // Labels of marks close together are stacked instead of drawn over each other.
  const placed: number[] = [];
  for (const m of marks) {
    const x = m.t / 1000;
    if (x < min || x > max) continue;
    const label = markLabel(m);
    const when = new Date(m.t).toLocaleTimeString();
    const left = u.valToPos(x, 'x');
    let row = 0;
    while (placed.some((p, i) => Math.abs(p - left) < 90 && placedRow[i] === row)) row++;
    placed.push(left);
    placedRow.push(row);
    const line = document.createElement('div');
    line.className = `chart__mark chart__mark--${m.kind}`;
    line.style.left = `${left}px`;
    const flag = document.createElement('span');
    flag.className =
      left > width - 90 ? 'chart__mark-flag chart__mark-flag--left' : 'chart__mark-flag';
    flag.style.top = `${row * 1.5}em`;
    flag.setAttribute('role', 'img');
    flag.setAttribute('aria-label', `${label} at ${when} by ${m.actor}`);
    flag.title = `${m.action} at ${when} by ${m.actor}${m.reason ? ` — ${m.reason}` : ''}`;
    flag.textContent = label;
    line.append(flag);
    u.over.append(line);
  }
  placedRow.length = 0;
}

/** Row of each label placed by the current {@link drawMarks} call (reused, cleared after). */
const placedRow: number[] = [];

interface Shape {
  readonly hasPeak: boolean;
  readonly hasControl: boolean;
  readonly resolutionSeconds: number;
}

function options(
  width: number,
  height: number,
  window: TimeWindow,
  shape: Shape,
  marks: () => readonly TimeSeriesMarkDto[],
): uPlot.Options {
  const bars = uPlot.paths.bars?.({ size: [0.8, 40], gap: 1 });
  const axis = {
    stroke: COLORS.axis,
    grid: { stroke: COLORS.grid, width: 1 },
    ticks: { stroke: COLORS.grid },
  };
  return {
    width,
    height,
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: {
      // Up to the end of the newest bucket: a transition in the bucket still filling is drawn.
      x: {
        time: true,
        range: (_u, min, max) => [min, max + shape.resolutionSeconds],
      },
      pct: { range: [0, 100] },
      req: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.15))] },
    },
    series: [
      {
        label: 'Time',
        value: window === '24h' || window === '1h' ? '{HH}:{mm}' : '{HH}:{mm}:{ss}',
      },
      {
        label: 'Error rate',
        scale: 'pct',
        stroke: COLORS.rate,
        width: 2.5,
        spanGaps: false,
        value: (_u, v) => (v === null ? '–' : `${v.toFixed(1)} %`),
      },
      {
        label: 'Threshold',
        scale: 'pct',
        stroke: COLORS.threshold,
        width: 1.5,
        dash: [6, 4],
        points: { show: false },
        value: (_u, v) => (v === null ? '–' : `${v} %`),
      },
      {
        label: 'Requests',
        scale: 'req',
        stroke: COLORS.requests,
        fill: COLORS.requestsFill,
        width: 1,
        paths: uPlot.paths.stepped?.({ align: 1 }),
        points: { show: false },
      },
      {
        label: 'Failures',
        scale: 'req',
        stroke: COLORS.failures,
        fill: COLORS.failuresFill,
        width: 1,
        ...(bars ? { paths: bars } : {}),
        points: { show: false },
      },
      ...(shape.hasPeak
        ? [
            {
              label: 'Peak error rate',
              scale: 'pct',
              stroke: COLORS.peak,
              width: 1.5,
              dash: [2, 3],
              spanGaps: false,
              value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v.toFixed(1)} %`),
            },
          ]
        : []),
      ...(shape.hasControl
        ? [
            {
              label: 'Control error rate',
              scale: 'pct',
              stroke: COLORS.control,
              width: 2,
              dash: [8, 4],
              spanGaps: false,
              value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${v.toFixed(1)} %`),
            },
          ]
        : []),
    ],
    hooks: { draw: [(u) => drawMarks(u, marks())] },
    axes: [
      { ...axis },
      {
        ...axis,
        scale: 'pct',
        label: 'Error rate (%)',
        values: (_u, vals) => vals.map((v) => `${v}%`),
        size: 56,
      },
      { ...axis, scale: 'req', side: 1, label: 'Requests', grid: { show: false }, size: 56 },
    ],
  };
}

export interface CircuitChartProps {
  readonly data: ChartData;
  readonly window: TimeWindow;
  /** Circuit transitions and manual on/off changes, drawn as labelled lines. */
  readonly marks: readonly TimeSeriesMarkDto[];
  /** Text alternative describing what the chart shows (read by screen readers). */
  readonly summary: string;
}

/**
 * Error rate against the threshold line (left axis) over request and failure counts (bars, right
 * axis); the per-bucket peak in the 1 h and 24 h views, the control arm's error rate when the
 * flag has one, and transitions as labelled marks. The uPlot instance is created once per window
 * and shape (which series exist) and fed with `setData` on every refresh, which is what keeps
 * streaming updates cheap.
 */
export function CircuitChart({ data, window, marks, summary }: CircuitChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const latestMarks = useRef(marks);
  latestMarks.current = marks;
  const { hasPeak, hasControl, resolutionSeconds } = data;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const size = () => ({
      width: Math.max(280, el.clientWidth),
      height: el.clientWidth < 500 ? 220 : 300,
    });
    const { width, height } = size();
    const u = new uPlot(
      options(
        width,
        height,
        window,
        { hasPeak, hasControl, resolutionSeconds },
        () => latestMarks.current,
      ),
      latest.current.columns as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const s = size();
      if (s.width !== u.width || s.height !== u.height) u.setSize(s);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [window, hasPeak, hasControl, resolutionSeconds]);

  useEffect(() => {
    plot.current?.setData(data.columns as uPlot.AlignedData);
  }, [data]);

  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [marks]);

  return (
    <figure className="chart">
      {/* No role="img" here: the marks inside are images of their own, which an img would hide. */}
      <div ref={host} className="chart__canvas" />
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}
