// How many runs a property test gets, from PROPERTY_RUNS.

/**
 * PROPERTY_RUNS when it is a whole number ≥ 1, else `fallback`. An empty or zero value must not
 * make a property run 0 times, which fast-check passes whatever the property.
 */
export function propertyRuns(value: string | undefined, fallback = 1000): number {
  const runs = Number(value);
  return Number.isSafeInteger(runs) && runs >= 1 ? runs : fallback;
}
