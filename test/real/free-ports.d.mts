/** The first port of the ephemeral range (Linux: ip_local_port_range's low end). */
export function ephemeralLow(): number;
/** A TCP port on 127.0.0.1 below the ephemeral range, free a moment ago, never handed out twice by this process. */
export function freePort(): Promise<number>;
