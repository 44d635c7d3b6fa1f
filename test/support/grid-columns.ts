/**
 * A grid node's `columns` setting from `{ column name: JSONPath }`, in the order written (so
 * no column name that looks like an array index):
 *
 *   gridColumns({ name: '$.name', city: '$.address.city' })
 *   // [{ name: 'name', path: '$.name' }, { name: 'city', path: '$.address.city' }]
 */
export function gridColumns(paths: Record<string, string>): { name: string; path: string }[] {
  return Object.entries(paths).map(([name, path]) => ({ name, path }));
}
