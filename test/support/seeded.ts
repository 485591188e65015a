/**
 * @module A small seeded PRNG (mulberry32) for tests and the fault proxy, so a
 * failing run (a storm, a detection sweep) can be replayed from its printed seed.
 */

/** Numbers in [0, 1) from `seed`, the same sequence for the same seed. */
export function seeded(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}
