// Values derived from stored objects, kept by object identity. The store freezes every object it
// hands out and replaces (never mutates) an object on write, so a frozen object's derived values
// never change: controllers that re-read thousands of objects per sync pay a lookup per unchanged
// object instead of re-deriving it. Objects that are not frozen (built in tests, or in progress)
// are derived afresh every time.

/** A derivation memoised per frozen object. */
export function memoized<K extends object, V>(derive: (obj: K) => V): (obj: K) => V {
  const cache = new WeakMap<K, V>();
  return (obj: K): V => {
    if (!Object.isFrozen(obj)) return derive(obj);
    let value = cache.get(obj);
    if (value === undefined && !cache.has(obj)) cache.set(obj, (value = derive(obj)));
    return value as V;
  };
}
