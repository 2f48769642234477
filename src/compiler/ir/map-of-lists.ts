// A Map whose values are lists, appended to in place: the passes group blocks, definitions and
// partners this way (appending by copying the list, `[...(m.get(k) ?? []), v]`, made grouping
// quadratic in the group's size).

/** Appends `value` to the list at `key`, starting one there if there is none. */
export function pushAt<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
