/**
 * @module A free loopback TCP port that no outgoing connection can take, for the tests: the logic, and why,
 * are in free-ports.mjs (plain JavaScript, so test/real/up.sh runs it too, with any Node).
 */
export { freePort } from './free-ports.mjs';
