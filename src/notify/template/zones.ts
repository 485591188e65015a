/**
 * @module Go `*time.Location`s: UTC, fixed offsets and IANA zones (through Intl).
 *
 * "Local" is UTC: NTH runs in a container without TZ, where Go's Local is UTC too. Named zones
 * get their offsets from Intl; their abbreviations come from Intl as well and may differ from
 * Go's tzdata ones for some zones (Go prints "IST" for Asia/Kolkata, we print "+0530").
 */

export interface ZoneInfo {
	/** Abbreviation Go prints for "MST" ("" means print the numeric offset). */
	readonly abbr: string;
	/** Seconds east of UTC. */
	readonly offset: number;
}

export interface GoZone {
	/** The location name (`UTC`, `Local`, `Europe/Berlin`, or a fixed zone's name). */
	readonly name: string;
	lookup(ms: number): ZoneInfo;
}

const utcInfo: ZoneInfo = { abbr: 'UTC', offset: 0 };

export const utcZone: GoZone = { name: 'UTC', lookup: () => utcInfo };

/** Go's `time.FixedZone(name, offsetSeconds)`. */
export function fixedZone(name: string, offset: number): GoZone {
	const info = { abbr: name, offset };
	return { name, lookup: () => info };
}

const named = new Map<string, GoZone | undefined>();

/** Go's `time.LoadLocation`: undefined for an unknown zone. */
export function loadZone(name: string): GoZone | undefined {
	if (name === '' || name === 'UTC') return utcZone;
	if (name === 'Local') return { name: 'Local', lookup: () => utcInfo };
	if (named.has(name)) return named.get(name);
	let zone: GoZone | undefined;
	try {
		zone = intlZone(name);
	} catch {
		// Intl throws RangeError for a zone it does not know: that is LoadLocation's error case.
		zone = undefined;
	}
	named.set(name, zone);
	return zone;
}

/** Locales whose Intl short names match tzdata's abbreviations for a region (checked against Go). */
function localesFor(name: string): readonly string[] {
	if (name === 'Europe/Dublin') return ['en-IE'];
	if (name === 'Asia/Kolkata' || name === 'Asia/Calcutta') return ['en-IN'];
	if (name === 'Asia/Tokyo') return ['ja-JP'];
	if (name === 'Asia/Hong_Kong') return ['en-HK'];
	if (name.startsWith('America/') || name.startsWith('US/') || name.startsWith('Canada/')) return ['en-US', 'en-CA'];
	if (name.startsWith('Europe/')) return ['en-GB'];
	if (name.startsWith('Africa/')) return ['en-GB', 'en-ZA'];
	if (name.startsWith('Australia/') || name === 'Pacific/Auckland') return ['en-AU'];
	if (name.startsWith('Pacific/')) return ['en-US'];
	return [];
}

/** tzdata abbreviations Intl has in no English locale, by UTC offset in seconds. */
const knownAbbreviations: Readonly<Record<string, Readonly<Record<number, string>>>> = {
	'Asia/Jakarta': { 25200: 'WIB' },
	'Asia/Karachi': { 18000: 'PKT' },
	'Asia/Manila': { 28800: 'PST' },
	'Asia/Seoul': { 32400: 'KST' },
	'Asia/Shanghai': { 28800: 'CST' },
	'Europe/Moscow': { 10800: 'MSK' },
	'Asia/Jerusalem': { 7200: 'IST', 10800: 'IDT' },
};

function intlZone(name: string): GoZone {
	const wall = new Intl.DateTimeFormat('en-US', {
		timeZone: name,
		hourCycle: 'h23',
		year: 'numeric',
		month: 'numeric',
		day: 'numeric',
		hour: 'numeric',
		minute: 'numeric',
		second: 'numeric',
	});
	const names = localesFor(name).map((locale) => new Intl.DateTimeFormat(locale, { timeZone: name, timeZoneName: 'short' }));
	return {
		name,
		lookup(ms: number): ZoneInfo {
			const date = new Date(ms - (((ms % 1000) + 1000) % 1000));
			const parts: Record<string, number> = {};
			for (const part of wall.formatToParts(date)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
			const local = Date.UTC(
				parts['year'] ?? 1970,
				(parts['month'] ?? 1) - 1,
				parts['day'] ?? 1,
				parts['hour'] ?? 0,
				parts['minute'] ?? 0,
				parts['second'] ?? 0,
			);
			const offset = Math.round((local - date.getTime()) / 1000);
			let abbr = knownAbbreviations[name]?.[offset];
			for (const format of names) {
				if (abbr !== undefined) break;
				const candidate = format.formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? '';
				if (/^[A-Z]{2,5}$/.test(candidate) && (candidate !== 'GMT' || offset === 0)) abbr = candidate;
			}
			return { abbr: abbr ?? numericAbbr(offset), offset };
		},
	};
}

/** Go's tzdata style for zones without a letter abbreviation: "-03", "+0530". */
function numericAbbr(offset: number): string {
	const sign = offset < 0 ? '-' : '+';
	const minutes = Math.abs(offset) / 60;
	const hours = String(Math.floor(minutes / 60)).padStart(2, '0');
	return minutes % 60 === 0 ? `${sign}${hours}` : `${sign}${hours}${String(minutes % 60).padStart(2, '0')}`;
}
