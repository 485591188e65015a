/**
 * @module How the drain loop sleeps: until its next timer, or until news (a
 * pod gone, a budget changed, an answer came back) wakes it, whichever is
 * first. News that arrives while the loop is busy is not lost: the next sleep
 * returns at once, after one yield so a batch of news costs one turn.
 */
import type { Sleep } from '../clock.ts';

export class Waker {
	readonly #sleep: Sleep;
	readonly #now: () => number;
	readonly #signal: AbortSignal;
	#dirty = false;
	#wakeSleep: (() => void) | undefined;

	constructor(sleep: Sleep, now: () => number, signal: AbortSignal) {
		this.#sleep = sleep;
		this.#now = now;
		this.#signal = signal;
	}

	/** Sleeps until `untilMs` or until {@link wake}, whichever comes first; never throws (an abort just returns). */
	async until(untilMs: number): Promise<void> {
		if (this.#dirty) {
			this.#dirty = false;
			// One turn per batch of news, not per event: a watch chunk often carries several.
			try {
				await this.#sleep(0, this.#signal);
			} catch {
				// Aborted: the loop sees it.
			}
			return;
		}
		const woken = new AbortController();
		this.#wakeSleep = () => woken.abort();
		try {
			await this.#sleep(Math.max(0, untilMs - this.#now()), AbortSignal.any([this.#signal, woken.signal]));
		} catch {
			// Woken early or aborted: the loop looks at the state again either way.
		} finally {
			this.#wakeSleep = undefined;
			this.#dirty = false;
		}
	}

	wake(): void {
		this.#dirty = true;
		this.#wakeSleep?.();
	}
}
