/** Sets a property by name as an ordinary own property, whatever the name. */

/**
 * `object[name] = value` with a name from API data or a config, such as `__proto__`, would set
 * the object's prototype instead; a defined property is just a property (`constructor`,
 * `toString`, `hasOwnProperty` included), enumerable and JSON-serialised like any other.
 */
export function setOwn(object: object, name: string, value: unknown): void {
  Object.defineProperty(object, name, { value, enumerable: true, writable: true, configurable: true });
}
