import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimeWindow } from '../api/circuits-api.js';
import type { ChartColumns } from '../utils/circuit-chart-data.js';

const COLORS = {
  rate: '#d92d20',
  failures: '#e8776f',
  threshold: '#b54708',
  requests: '#2e6be6',
  requestsFill: 'rgba(46, 107, 230, 0.10)',
  failuresFill: 'rgba(217, 45, 32, 0.35)',
  grid: 'rgba(120, 130, 150, 0.18)',
  axis: '#5b6475',
};

function options(width: number, height: number, window: TimeWindow): uPlot.Options {
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
      x: { time: true },
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
    ],
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
  readonly columns: ChartColumns;
  readonly window: TimeWindow;
  /** Text alternative describing what the chart shows (read by screen readers). */
  readonly summary: string;
}

/**
 * Error rate against the threshold line (left axis) over request and failure counts (bars, right
 * axis). The uPlot instance is created once per window and fed with `setData` on every refresh,
 * which is what keeps streaming updates cheap.
 */
export function CircuitChart({ columns, window, summary }: CircuitChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(columns);
  latest.current = columns;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const size = () => ({
      width: Math.max(280, el.clientWidth),
      height: el.clientWidth < 500 ? 220 : 300,
    });
    const { width, height } = size();
    const u = new uPlot(options(width, height, window), latest.current, el);
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
  }, [window]);

  useEffect(() => {
    plot.current?.setData(columns);
  }, [columns]);

  return (
    <figure className="chart">
      <div ref={host} className="chart__canvas" role="img" aria-label={summary} />
      <figcaption className="visually-hidden">{summary}</figcaption>
    </figure>
  );
}
