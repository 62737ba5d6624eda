/** Time and randomness come in through ports so the domain stays deterministic under test. */
export interface Clock {
  now(): Date;
}

export interface RandomSource {
  bytes(count: number): Uint8Array;
}
