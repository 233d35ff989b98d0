/**
 * Dataset import benchmark (`npm run bench:data`): writes a GB18030 medical CSV of at least 150 MB
 * (department,title,ask,answer; synthetic rows of realistic length, repeated with varying numbers) to a
 * temp folder, then imports it in a fresh child process (decode, CSV, normalise, validate, stats, sha256)
 * and reports rows/s and that process's peak RSS. Target: >= 200k rows/s with RSS < 500 MB.
 *   npm run bench:data [-- --mb 150 --runs 3 --keep]
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { Gb18030Decoder } from '../../src-main/data/encoding/gb18030-decoder';
import { importDataset } from '../../src-main/data/import-dataset';

const DEPARTMENTS = ['内科', '外科', '儿科', '妇产科', '男科', '肿瘤科'];
const TITLES = ['高血压患者能吃党参吗？', '孩子发烧三天不退怎么办', '腰椎间盘突出需要手术吗', '月经推迟一周是怎么回事', '胃疼吃什么药好'];
const ASKS = [
  '我有高血压这两天女婿来的时候给我拿了些党参泡水喝，您好高血压可以吃党参吗？',
  '孩子今年三岁，发烧三天了，最高三十九度，吃了退烧药能退下来，过几个小时又烧起来，需要去医院吗？',
  '最近腰疼得厉害，拍片说是腰椎间盘突出，医生建议手术，我想问问保守治疗可以吗，"牵引"有用吗？',
];
const ANSWERS = [
  '高血压病人可以口服党参的。党参有降血脂，降血压的作用，可以彻底消除血液中的垃圾，从而对冠心病以及心血管疾病的患者都有一定的稳定预防工作作用，因此平时口服党参能远离三高的危害。另外党参除了益气养血，降低中枢神经作用，调整消化系统功能，健脾补肺的功能。',
  '您好，持续发热超过三天建议到医院查血常规和C反应蛋白，明确是病毒还是细菌感染。在家注意多喝水，体温超过38.5度可以用布洛芬，注意观察精神状态，如果出现抽搐、精神差，要及时就诊。',
  '腰椎间盘突出大多数可以先保守治疗，包括卧床休息、牵引、理疗和口服消炎止痛药物，三个月无效或出现大小便障碍、下肢无力时再考虑手术，平时注意不要久坐，加强腰背肌锻炼。',
];

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Writes the synthetic GB18030 medical CSV (at least `minBytes`; rows are written 10,000 at a time, or `rowsPerBlock`). */
export async function writeCsv(path: string, minBytes: number, rowsPerBlock = 10_000): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path);
  const write = (b: Buffer) => new Promise<void>((res, rej) => out.write(b, (e) => (e ? rej(e) : res())));
  await write(iconv.encode('department,title,ask,answer\r\n', 'gb18030'));
  let rows = 0;
  let bytes = 0;
  while (bytes < minBytes) {
    const lines: string[] = [];
    for (let k = 0; k < rowsPerBlock; k++, rows++) {
      const i = rows;
      lines.push(
        [DEPARTMENTS[i % 6], `${TITLES[i % 5]}（${i}）`, `${ASKS[i % 3]}编号${i}。`, `${ANSWERS[(i >> 1) % 3]}（第${i}条）`].map(csvField).join(',') + '\r\n',
      );
    }
    const b = iconv.encode(lines.join(''), 'gb18030');
    bytes += b.length;
    await write(b);
  }
  await new Promise<void>((res) => out.end(res));
  return { rows, bytes: statSync(path).size };
}

async function child(file: string): Promise<void> {
  // Load the decoder's table (iconv-lite's GB18030 mapping) before the clock starts: a one-time cost of
  // module loading, not of rows; it is timed and reported on its own.
  const tw = performance.now();
  new Gb18030Decoder();
  const warmupSeconds = (performance.now() - tw) / 1000;
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await importDataset(file, { encoding: 'auto' });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  lag.disable();
  // The longest the event loop waited: what a UI sharing this thread would feel.
  const maxEventLoopStallMs = lag.max / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    JSON.stringify({
      rows: r.examples,
      skipped: r.skippedTotal,
      seconds,
      cpuSeconds,
      warmupSeconds,
      maxEventLoopStallMs,
      peakRssMb,
      encoding: r.encoding,
      format: r.format,
    }) + '\n',
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1]);
  const mbAt = args.indexOf('--mb');
  const mb = mbAt >= 0 ? Number(args[mbAt + 1]) : 150;
  const runsAt = args.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
  const dir = await mkdtemp(join(tmpdir(), 'tuneloom-bench-data-'));
  const file = join(dir, 'medical-gb18030.csv');
  try {
    const written = await writeCsv(file, mb * 1e6);
    console.log(`wrote ${file}: ${(written.bytes / 1e6).toFixed(1)} MB, ${written.rows} rows (GB18030)`);
    const results = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`);
      const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
        rows: number;
        seconds: number;
        cpuSeconds: number;
        maxEventLoopStallMs: number;
        peakRssMb: number;
        skipped: number;
      };
      if (m.rows !== written.rows || m.skipped !== 0) throw new Error(`imported ${m.rows} rows (${m.skipped} skipped), wrote ${written.rows}`);
      results.push(m);
      console.log(
        `run ${i + 1}: ${m.rows} rows in ${m.seconds.toFixed(2)} s = ${Math.round(m.rows / m.seconds)} rows/s (${(written.bytes / 1e6 / m.seconds).toFixed(1)} MB/s), ` +
          `CPU ${m.cpuSeconds.toFixed(2)} s = ${Math.round(m.rows / m.cpuSeconds)} rows per CPU-second, peak RSS ${m.peakRssMb.toFixed(0)} MB, ` +
          `longest event-loop stall ${m.maxEventLoopStallMs.toFixed(0)} ms, load average ${loadavg()[0].toFixed(1)}`,
      );
    }
    if (!results.length) return;
    const best = results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const median = [...results].sort((a, b) => a.seconds - b.seconds)[Math.floor(results.length / 2)];
    console.log(
      JSON.stringify({
        file_mb: Math.round(written.bytes / 1e5) / 10,
        rows: written.rows,
        best_rows_per_s: Math.round(best.rows / best.seconds),
        median_rows_per_s: Math.round(median.rows / median.seconds),
        best_rows_per_cpu_s: Math.round(Math.max(...results.map((r) => r.rows / r.cpuSeconds))),
        peak_rss_mb: Math.round(Math.max(...results.map((r) => r.peakRssMb))),
        max_event_loop_stall_ms: Math.round(Math.max(...results.map((r) => r.maxEventLoopStallMs))),
        load_average_1m: Math.round(loadavg()[0] * 10) / 10,
        cpus: cpus().length,
        node: process.version,
      }),
    );
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

// Run only as the script itself (the wizard-inspect bench imports writeCsv from here).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
