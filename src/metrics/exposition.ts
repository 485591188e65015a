/**
 * @module The Prometheus text exposition format (version 0.0.4), written by hand.
 *
 * Why not prom-client: it adds ~12 MB of RSS (it loads @opentelemetry/api) for
 * a dozen series. This file holds the three instrument kinds the agent needs:
 * counters and gauges keyed by a label set, and fixed-bucket histograms. Label
 * sets are bounded by construction (callers pass values from closed unions).
 */

export const expositionContentType = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

function escapeLabelValue(value: string): string {
	return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
	return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A float as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, else the shortest round-trip text. */
export function formatValue(value: number): string {
	if (Number.isNaN(value)) return 'NaN';
	if (value === Number.POSITIVE_INFINITY) return '+Inf';
	if (value === Number.NEGATIVE_INFINITY) return '-Inf';
	return String(value);
}

/** `{a="x",b="y"}` in the given key order, or "" for no labels. */
export function formatLabels(labels: Labels): string {
	const pairs = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabelValue(value)}"`);
	return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

function header(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string {
	return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}

/**
 * The series key of a label set: names and values joined with separators no
 * label name can hold. Not JSON.stringify(Object.entries(...)): the monitors
 * record every IMDS poll here (several keys per poll), and under Bun without
 * the JIT that cost ~0.2 ms per poll (bench/poll-cost.ts --metrics=noop).
 */
function keyOf(labels: Labels): string {
	let key = '';
	for (const name in labels) key += `${name}\u0000${String(labels[name])}\u0001`;
	return key;
}

/** A counter or gauge family: one value per label set, in first-seen order. */
export class Family {
	readonly name: string;
	readonly #help: string;
	readonly #type: 'counter' | 'gauge';
	readonly #series = new Map<string, { labels: Labels; value: number }>();

	constructor(name: string, help: string, type: 'counter' | 'gauge') {
		this.name = name;
		this.#help = help;
		this.#type = type;
	}

	add(labels: Labels, amount: number): void {
		const key = keyOf(labels);
		const series = this.#series.get(key);
		if (series) series.value += amount;
		else this.#series.set(key, { labels, value: amount });
	}

	set(labels: Labels, value: number): void {
		const key = keyOf(labels);
		const series = this.#series.get(key);
		if (series) series.value = value;
		else this.#series.set(key, { labels, value });
	}

	render(): string {
		let text = header(this.name, this.#help, this.#type);
		for (const { labels, value } of this.#series.values()) text += `${this.name}${formatLabels(labels)} ${formatValue(value)}\n`;
		return text;
	}
}

interface HistogramSeries {
	readonly labels: Labels;
	readonly counts: number[];
	sum: number;
	count: number;
}

/** A histogram family with fixed upper bounds (`le`), cumulative as the format requires. */
export class HistogramFamily {
	readonly name: string;
	readonly #help: string;
	readonly #bounds: readonly number[];
	readonly #series = new Map<string, HistogramSeries>();

	constructor(name: string, help: string, bounds: readonly number[]) {
		this.name = name;
		this.#help = help;
		this.#bounds = [...bounds].sort((a, b) => a - b);
	}

	/** Makes the label set appear (all zeros) before its first observation. */
	touch(labels: Labels): HistogramSeries {
		const key = keyOf(labels);
		let series = this.#series.get(key);
		if (!series) {
			series = { labels, counts: this.#bounds.map(() => 0), sum: 0, count: 0 };
			this.#series.set(key, series);
		}
		return series;
	}

	observe(labels: Labels, value: number): void {
		const series = this.touch(labels);
		const bounds = this.#bounds;
		for (let index = 0; index < bounds.length; index += 1) {
			if (value <= (bounds[index] ?? 0)) series.counts[index] = (series.counts[index] ?? 0) + 1;
		}
		series.sum += value;
		series.count += 1;
	}

	render(): string {
		let text = header(this.name, this.#help, 'histogram');
		for (const series of this.#series.values()) {
			this.#bounds.forEach((bound, index) => {
				text += `${this.name}_bucket${formatLabels({ ...series.labels, le: formatValue(bound) })} ${series.counts[index] ?? 0}\n`;
			});
			text += `${this.name}_bucket${formatLabels({ ...series.labels, le: '+Inf' })} ${series.count}\n`;
			text += `${this.name}_sum${formatLabels(series.labels)} ${formatValue(series.sum)}\n`;
			text += `${this.name}_count${formatLabels(series.labels)} ${series.count}\n`;
		}
		return text;
	}
}
