/**
 * chart.js set up once for the whole app: only the pieces the line charts use (tree-shaken), and the
 * decimation plugin, so a 100k-point loss curve draws as ~1,000 LTTB points and stays smooth.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Decimation,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend, Decimation, BarController, BarElement, CategoryScale);

export { Chart };

export interface Series {
  label: string;
  points: { x: number; y: number }[];
  color: string;
  dashed?: boolean;
}

/** Distinct, colour-blind-friendly line colours (Okabe-Ito order), stable per series index. */
export const SERIES_COLORS = ['#4f6bed', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00'];

export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
