'use strict';
/** Shared by the transport tests: settings from the documented defaults, and a GET through a Transport. */
const { connectionDefaults } = require('../../dist/lib/definitions');

/** The connection defaults (with a short timeout for tests), `overrides` on top. */
function transportSettings(overrides = {}) {
  return { ...connectionDefaults, timeout: 5000, ...overrides };
}

/** GET `url` with got through the transport; a failure comes back classified (or as is). */
async function get(transport, url) {
  const { got } = await import('got');
  try {
    const response = await got(url, {
      agent: transport.agentsFor(new URL(url)),
      retry: { limit: 0 },
      timeout: { request: 5000 },
    });
    return { statusCode: response.statusCode, body: JSON.parse(response.body) };
  } catch (err) {
    throw transport.classifyError(err) || err;
  }
}

module.exports = { transportSettings, get };
