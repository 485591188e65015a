/**
 * @module A push-based queue read with `for await` (the fake's watch streams).
 */

/** A push-based queue read with `for await`; ends when closed. */
export class AsyncQueue<T> {
	readonly #items: T[] = [];
	#wake: (() => void) | undefined;
	#closed = false;
	#error: unknown;

	push(item: T): void {
		if (this.#closed) return;
		this.#items.push(item);
		this.#notify();
	}

	close(error?: unknown): void {
		this.#closed = true;
		this.#error = error;
		this.#notify();
	}

	#notify(): void {
		const wake = this.#wake;
		this.#wake = undefined;
		wake?.();
	}

	async *[Symbol.asyncIterator](): AsyncGenerator<T> {
		for (;;) {
			const item = this.#items.shift();
			if (item !== undefined) {
				yield item;
				continue;
			}
			if (this.#closed) {
				if (this.#error !== undefined) throw this.#error;
				return;
			}
			await new Promise<void>((resolve) => {
				this.#wake = resolve;
			});
		}
	}
}
