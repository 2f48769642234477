// Edit distance for "did you mean" hints: names (check/context.ts) and misspelled keywords
// (parse-errors.ts).

/**
 * The closest candidate to `name` by edit distance, for "did you mean" hints. Among equally close
 * ones, a candidate with the same letters wins: `u46be` was more likely `u64be` typed in the wrong
 * order than `u16be`.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Math.max(1, Math.floor(name.length / 3)) + 1;
  let bestSameLetters = false;
  const letters = sortedLetters(name);
  for (const c of candidates) {
    if (c === name || c === "_") continue;
    const d = editDistance(name, c);
    const sameLetters = sortedLetters(c) === letters;
    if (d < bestDist || (d === bestDist && sameLetters && !bestSameLetters)) {
      bestDist = d;
      best = c;
      bestSameLetters = sameLetters;
    }
  }
  return best;
}

const sortedLetters = (s: string): string => [...s].sort().join("");

/** Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}
