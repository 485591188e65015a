// Where an agent's pages go (bench:floor --smaps, bench/pages.ts): its
// /proc/PID/smaps summed by kind of mapping — the executable file itself,
// anonymous memory (heap, stacks, JIT/GC arenas), shared libraries, other
// files — plus how much of the executable a start touched: the Rss of its
// mappings against its size, and (fincore) how much of it sits in the page
// cache, read-ahead included: the cgroup is charged for the latter.
import { readFileSync, statSync } from 'node:fs';
import { cachedBytes } from './loop-fs.ts';

export type MappingKind = 'executable' | 'anon' | 'libs' | 'other files' | 'kernel';

export interface MappingSums {
	readonly rssKb: number;
	readonly pssKb: number;
	/** Private_Dirty + Private_Clean of anonymous pages count as anon; for files, the file pages mapped. */
	readonly anonKb: number;
	readonly mappings: number;
}

export interface SmapsSummary {
	readonly byKind: Readonly<Record<MappingKind, MappingSums>>;
	readonly totalRssKb: number;
	readonly totalPssKb: number;
	/** Size of the executable file. */
	readonly executableBytes: number;
	/** Rss of the executable's mappings: the part of the file this process has mapped in. */
	readonly executableRssKb: number;
	/** The executable's pages in the page cache (read-ahead included), when fincore is installed. */
	readonly executableCachedBytes: number | undefined;
	/** The largest mappings by Rss, for the report. */
	readonly top: readonly { readonly name: string; readonly rssKb: number; readonly pssKb: number }[];
}

const headerPattern = /^[0-9a-f]+-[0-9a-f]+\s+\S{4}\s+[0-9a-f]+\s+\S+\s+\d+\s*(.*)$/;

function kindOf(name: string, executable: string): MappingKind {
	if (name === executable || name === `${executable} (deleted)`) return 'executable';
	if (name === '' || name === '[heap]' || name.startsWith('[stack') || name.startsWith('[anon')) return 'anon';
	if (name === '[vdso]' || name === '[vvar]' || name === '[vsyscall]' || name.startsWith('[vvar')) return 'kernel';
	if (/\.so(\.\d+)*$/.test(name)) return 'libs';
	return 'other files';
}

/** Reads /proc/`pid`/smaps and sums it by kind; `executable` is the path the process was started from. */
export function readSmaps(pid: number, executable: string): SmapsSummary {
	const text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
	const empty = (): { rssKb: number; pssKb: number; anonKb: number; mappings: number } => ({ rssKb: 0, pssKb: 0, anonKb: 0, mappings: 0 });
	const byKind = { executable: empty(), anon: empty(), libs: empty(), 'other files': empty(), kernel: empty() };
	const byName = new Map<string, { rssKb: number; pssKb: number }>();
	let current: { kind: MappingKind; name: string } | undefined;
	for (const line of text.split('\n')) {
		const header = headerPattern.exec(line);
		if (header !== null) {
			const name = (header[1] ?? '').trim();
			const kind = kindOf(name, executable);
			current = { kind, name: name === '' ? '[anon]' : name };
			byKind[kind].mappings += 1;
			continue;
		}
		if (current === undefined) continue;
		const field = /^(Rss|Pss|Anonymous):\s+(\d+) kB/.exec(line);
		if (field === null) continue;
		const kb = Number(field[2]);
		const sums = byKind[current.kind];
		const named = byName.get(current.name) ?? { rssKb: 0, pssKb: 0 };
		if (field[1] === 'Rss') {
			sums.rssKb += kb;
			named.rssKb += kb;
		} else if (field[1] === 'Pss') {
			sums.pssKb += kb;
			named.pssKb += kb;
		} else {
			sums.anonKb += kb;
		}
		byName.set(current.name, named);
	}
	const kinds = Object.values(byKind);
	return {
		byKind,
		totalRssKb: kinds.reduce((sum, kind) => sum + kind.rssKb, 0),
		totalPssKb: kinds.reduce((sum, kind) => sum + kind.pssKb, 0),
		executableBytes: statSync(executable).size,
		executableRssKb: byKind.executable.rssKb,
		executableCachedBytes: cachedBytes(executable),
		top: [...byName.entries()]
			.map(([name, sums]) => ({ name, ...sums }))
			.sort((a, b) => b.rssKb - a.rssKb)
			.slice(0, 6),
	};
}
