/**
 * @module Go's time layout language (`2006-01-02T15:04:05Z07:00`, `Mon Jan _2`, …): the
 * elements and Go's nextStdChunk, which time-format.ts and time-parse.ts walk a layout with —
 * ported from Go's time/format.go.
 */
export const longMonthNames = [
	'January',
	'February',
	'March',
	'April',
	'May',
	'June',
	'July',
	'August',
	'September',
	'October',
	'November',
	'December',
];
export const longDayNames = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Layout elements (Go's std* constants). */
export const Std = {
	None: 0,
	LongMonth: 1,
	Month: 2,
	NumMonth: 3,
	ZeroMonth: 4,
	LongWeekDay: 5,
	WeekDay: 6,
	Day: 7,
	UnderDay: 8,
	ZeroDay: 9,
	UnderYearDay: 10,
	ZeroYearDay: 11,
	Hour: 12,
	Hour12: 13,
	ZeroHour12: 14,
	Minute: 15,
	ZeroMinute: 16,
	Second: 17,
	ZeroSecond: 18,
	LongYear: 19,
	Year: 20,
	PM: 21,
	Pm: 22,
	TZ: 23,
	ISO8601TZ: 24,
	ISO8601SecondsTZ: 25,
	ISO8601ShortTZ: 26,
	ISO8601ColonTZ: 27,
	ISO8601ColonSecondsTZ: 28,
	NumTZ: 29,
	NumSecondsTz: 30,
	NumShortTZ: 31,
	NumColonTZ: 32,
	NumColonSecondsTZ: 33,
	FracSecond0: 34,
	FracSecond9: 35,
} as const;
export type Std = (typeof Std)[keyof typeof Std];

interface Chunk {
	readonly prefix: string;
	readonly std: Std;
	readonly suffix: string;
	/** Digits of a fractional-second element. */
	readonly digits: number;
	/** Separator of a fractional-second element ('.' or ','). */
	readonly separator: string;
}

const std0x = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];
export const zoneElements: readonly [string, Std][] = [
	['-070000', Std.NumSecondsTz],
	['-07:00:00', Std.NumColonSecondsTZ],
	['-0700', Std.NumTZ],
	['-07:00', Std.NumColonTZ],
	['-07', Std.NumShortTZ],
	['Z070000', Std.ISO8601SecondsTZ],
	['Z07:00:00', Std.ISO8601ColonSecondsTZ],
	['Z0700', Std.ISO8601TZ],
	['Z07:00', Std.ISO8601ColonTZ],
	['Z07', Std.ISO8601ShortTZ],
];

function chunk(layout: string, i: number, std: Std, length: number, digits = 0, separator = '.'): Chunk {
	return { prefix: layout.slice(0, i), std, suffix: layout.slice(i + length), digits, separator };
}

const isLower = (text: string, i: number): boolean => i < text.length && text[i]! >= 'a' && text[i]! <= 'z';
export const isDigitAt = (text: string, i: number): boolean => i < text.length && text[i]! >= '0' && text[i]! <= '9';

/** Go's nextStdChunk: the text before the first layout element, the element, and the rest. */
export function nextStdChunk(layout: string): Chunk {
	for (let i = 0; i < layout.length; i++) {
		const c = layout[i];
		const rest = layout.slice(i);
		switch (c) {
			case 'J':
				if (rest.startsWith('January')) return chunk(layout, i, Std.LongMonth, 7);
				if (rest.startsWith('Jan') && !isLower(layout, i + 3)) return chunk(layout, i, Std.Month, 3);
				break;
			case 'M':
				if (rest.startsWith('Monday')) return chunk(layout, i, Std.LongWeekDay, 6);
				if (rest.startsWith('Mon') && !isLower(layout, i + 3)) return chunk(layout, i, Std.WeekDay, 3);
				if (rest.startsWith('MST')) return chunk(layout, i, Std.TZ, 3);
				break;
			case '0':
				if (layout[i + 1]! >= '1' && layout[i + 1]! <= '6') return chunk(layout, i, std0x[Number(layout[i + 1]) - 1]!, 2);
				if (rest.startsWith('002')) return chunk(layout, i, Std.ZeroYearDay, 3);
				break;
			case '1':
				return layout[i + 1] === '5' ? chunk(layout, i, Std.Hour, 2) : chunk(layout, i, Std.NumMonth, 1);
			case '2':
				return rest.startsWith('2006') ? chunk(layout, i, Std.LongYear, 4) : chunk(layout, i, Std.Day, 1);
			case '_':
				if (layout[i + 1] === '2') {
					// "_2006" is a literal underscore followed by the long year.
					if (rest.startsWith('_2006'))
						return { prefix: layout.slice(0, i + 1), std: Std.LongYear, suffix: layout.slice(i + 5), digits: 0, separator: '.' };
					return chunk(layout, i, Std.UnderDay, 2);
				}
				if (rest.startsWith('__2')) return chunk(layout, i, Std.UnderYearDay, 3);
				break;
			case '3':
				return chunk(layout, i, Std.Hour12, 1);
			case '4':
				return chunk(layout, i, Std.Minute, 1);
			case '5':
				return chunk(layout, i, Std.Second, 1);
			case 'P':
				if (layout[i + 1] === 'M') return chunk(layout, i, Std.PM, 2);
				break;
			case 'p':
				if (layout[i + 1] === 'm') return chunk(layout, i, Std.Pm, 2);
				break;
			case '-':
			case 'Z':
				for (const [text, std] of zoneElements) if (rest.startsWith(text)) return chunk(layout, i, std, text.length);
				break;
			case '.':
			case ',':
				if (layout[i + 1] === '0' || layout[i + 1] === '9') {
					const ch = layout[i + 1];
					let j = i + 1;
					while (j < layout.length && layout[j] === ch) j++;
					// The run of digits must end here: only a fractional second is all digits.
					if (!isDigitAt(layout, j)) return chunk(layout, i, ch === '0' ? Std.FracSecond0 : Std.FracSecond9, j - i, j - (i + 1), c);
				}
				break;
			default:
		}
	}
	return { prefix: layout, std: Std.None, suffix: '', digits: 0, separator: '.' };
}

/** Go's time.quote: a value or layout element in an error message (JSON's escaping matches for printable text). */
export const quote = (text: string): string => JSON.stringify(text);

export function pad(value: number, width: number): string {
	const text = String(Math.abs(value)).padStart(width, '0');
	return value < 0 ? `-${text}` : text;
}
