/* global $ */
/* exported RestEditor */
/**
 * What the three nodes' editors share: their defaults and credentials from lib/definitions.ts,
 * the validators (they accept what the runtime accepts, and an ${ENV} reference wherever the
 * runtime expands one) and the number fields that keep numbers numbers in the flow JSON.
 *
 * scripts/build.js puts this file first in each node's editor script, inside one function
 * scope with the node's own editor.js, so nothing here becomes a global of the editor page.
 */
var RestEditor = (function () {
  'use strict';

  /** The typedInput types a query or header value may have. */
  var VALUE_TYPES = ['str', 'num', 'bool', 'msg', 'flow', 'global', 'env', 'jsonata'];
  var HTTP_URL = /^https?:\/\/[^\s]+$/i;

  /** Node-RED's defaults object, one entry per property of lib/definitions.ts. */
  function defaultsOf(definitions) {
    var defaults = {};
    Object.keys(definitions.defaults).forEach(function (name) {
      defaults[name] = { value: definitions.defaults[name] };
    });
    return defaults;
  }

  /** Node-RED's credentials object, with the types of lib/definitions.ts. */
  function credentialsOf(definitions) {
    var credentials = {};
    Object.keys(definitions.credentials).forEach(function (name) {
      credentials[name] = { type: definitions.credentials[name] };
    });
    return credentials;
  }

  function isEnvReference(v) {
    return typeof v === 'string' && /\$\{[^}]+\}/.test(v);
  }

  /** An http(s) URL; `optional` also accepts an empty value. */
  function url(optional) {
    return function (v) {
      return (optional && !v) || isEnvReference(v) || HTTP_URL.test(v || '');
    };
  }

  /** Like the runtime (lib/transport/proxy-rules.ts): http(s)://..., or a bare host:port meaning http://host:port. */
  function proxyUrl(v) {
    if (!v || isEnvReference(v) || HTTP_URL.test(v)) return true;
    return v.indexOf('://') === -1 && /^[^\s/]+(\/[^\s]*)?$/.test(v);
  }

  /** A whole number from `min` (and up to `max`, when given), as a number or its text. */
  function wholeNumber(min, max) {
    return function (v) {
      if (isEnvReference(v)) return true;
      if (typeof v === 'string' ? !/^\s*-?\d+\s*$/.test(v) : typeof v !== 'number') return false;
      var n = Number(v);
      return Number.isInteger(n) && n >= min && (max === undefined || n <= max);
    };
  }

  /** The connection's {name, value} lists (headers, query parameters, cookies, token parameters). */
  function nameValueList(v) {
    return (
      Array.isArray(v) &&
      v.every(function (p) {
        return p && typeof p.name === 'string' && typeof p.value === 'string';
      })
    );
  }

  /** The query nodes' {name, value, type} lists, whose value is a typedInput. */
  function typedList(v) {
    return (
      Array.isArray(v) &&
      v.every(function (p) {
        return p && typeof p.name === 'string' && VALUE_TYPES.indexOf(p.type) !== -1;
      })
    );
  }

  /**
   * Empty (the node's default applies) or any non-blank text: the runtime reads `data.items`,
   * `.x`, `@.x` and `[0]` as paths from the root (lib/extract/compiled-path.ts normalizePath) and
   * reports a path it cannot parse as ERR_JSONPATH, so the editor has nothing safer to reject.
   */
  function jsonPath(v) {
    return v === undefined || v === null || v === '' || (typeof v === 'string' && v.trim() !== '');
  }

  /**
   * Number fields are plain text inputs (#<idPrefix><name>), not node-input-* fields, so that an
   * ${ENV} reference can be typed: shown from the node (or its default) ...
   */
  function showNumbers(node, names, idPrefix, definitions) {
    names.forEach(function (name) {
      $('#' + idPrefix + name).val(node[name] === undefined ? definitions.defaults[name] : node[name]);
    });
  }
  /** ... and saved as numbers in the flow JSON; an ${ENV} reference stays text. */
  function saveNumbers(node, names, idPrefix) {
    names.forEach(function (name) {
      var v = $('#' + idPrefix + name)
        .val()
        .trim();
      node[name] = v !== '' && !isNaN(Number(v)) ? Number(v) : v;
    });
  }

  return {
    VALUE_TYPES: VALUE_TYPES,
    defaultsOf: defaultsOf,
    credentialsOf: credentialsOf,
    isEnvReference: isEnvReference,
    url: url,
    proxyUrl: proxyUrl,
    wholeNumber: wholeNumber,
    nameValueList: nameValueList,
    typedList: typedList,
    jsonPath: jsonPath,
    showNumbers: showNumbers,
    saveNumbers: saveNumbers,
  };
})();
