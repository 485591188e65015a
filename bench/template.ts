// `npm run bench:template`: how long the webhook template engine takes to parse
// and execute NTH's default template (the render-speed figure that used to be a
// timed unit test). Prints numbers only; nothing passes or fails on them.
//
//   node bench/template.ts [--runs=N]
import { parseTemplate } from '../src/notify/template/template.ts';
import { goStruct, goTime } from '../src/notify/template/values.ts';

const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
const runs = runsArg === undefined ? 20_000 : Number(runsArg.slice('--runs='.length));
const defaultTemplate = '{"text":"[NTH][Instance Interruption] EventID: {{ .EventID }} - Kind: {{ .Kind }} - Instance: {{ .InstanceID }} - Node: {{ .NodeName }} - Description: {{ .Description }} - Start Time: {{ .StartTime }}"}';
const data = goStruct('monitor.InterruptionEvent', {
	EventID: 'spot-itn-0123456789abcdef',
	Kind: 'SPOT_ITN',
	InstanceID: 'i-0123456789abcdef0',
	NodeName: 'ip-10-0-0-1.ec2.internal',
	Description: 'Spot ITN received. Instance will be interrupted at 2024-01-02T03:04:05Z',
	StartTime: goTime(new Date('2024-01-02T03:04:05Z')),
});

function measure(label: string, once: () => void): void {
	for (let i = 0; i < Math.min(1000, runs); i++) once(); // warm-up
	const started = performance.now();
	for (let i = 0; i < runs; i++) once();
	const perRunUs = ((performance.now() - started) / runs) * 1000;
	console.log(`${label.padEnd(32)} ${perRunUs.toFixed(2).padStart(8)} µs per run (${runs} runs)`);
}

const parsed = parseTemplate(defaultTemplate);
measure('parse + execute (default)', () => parseTemplate(defaultTemplate).execute(data));
measure('execute only (default)', () => parsed.execute(data));
