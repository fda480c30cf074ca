/** Seconds as m:ss, rounded to the second (59.6 s is 1:00, not 0:00). */
export function clock(seconds) {
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
