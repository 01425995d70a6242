// How many runs a property test gets, from PROPERTY_RUNS.

/**
 * PROPERTY_RUNS when it is a whole number ≥ 1, else 1000. An empty or zero value must not make a
 * property run 0 times, which fast-check passes whatever the property.
 */
export function propertyRuns(value: string | undefined): number {
  const runs = Number(value);
  return Number.isSafeInteger(runs) && runs >= 1 ? runs : 1000;
}
