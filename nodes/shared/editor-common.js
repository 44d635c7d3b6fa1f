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
  function validUrl(optional) {
    return function (v) {
      return (optional && !v) || isEnvReference(v) || HTTP_URL.test(v || '');
    };
  }

  /** Like the runtime (lib/transport/proxy-rules.ts): http(s)://..., or a bare host:port meaning http://host:port. */
  function validProxyUrl(v) {
    if (!v || isEnvReference(v) || HTTP_URL.test(v)) return true;
    return v.indexOf('://') === -1 && /^[^\s/]+(\/[^\s]*)?$/.test(v);
  }

  /**
   * Node-RED shows a validator's text as the field's tooltip: "<label>: <why>". `key` names the
   * text in the shared catalog part nodes/shared/locales/<lang>/validation.json; Node-RED calls a
   * validator with the node as `this`, whose _() reads the node's catalog.
   */
  function invalid(node, opt, key, vars) {
    return invalidText(opt, node && typeof node._ === 'function' ? node._(key, vars) : key);
  }

  /** A reason that is already text (the runtime's JSONPath verdict). */
  function invalidText(opt, why) {
    return (opt && opt.label ? opt.label + ': ' : '') + why;
  }

  /** A whole number from `min` (and up to `max`, when given), as a number or its text. */
  function validWholeNumber(min, max) {
    return function (v, opt) {
      if (isEnvReference(v)) return true;
      var n = Number(v);
      var shaped = typeof v === 'string' ? /^\s*-?\d+\s*$/.test(v) : typeof v === 'number';
      if (shaped && Number.isInteger(n) && n >= min && (max === undefined || n <= max)) return true;
      return max === undefined
        ? invalid(this, opt, 'validation.message.wholeFrom', { min: min })
        : invalid(this, opt, 'validation.message.wholeRange', { min: min, max: max });
    };
  }

  /** A number from `min` to `max`, decimals allowed (rateLimit: 0.5 per second), as a number or its text. */
  function validDecimal(min, max) {
    return function (v, opt) {
      if (isEnvReference(v)) return true;
      var n = Number(v);
      var shaped = typeof v === 'string' ? /^\s*\d+(\.\d+)?\s*$/.test(v) : typeof v === 'number';
      if (shaped && Number.isFinite(n) && n >= min && n <= max) return true;
      return invalid(this, opt, 'validation.message.decimalRange', { min: min, max: max });
    };
  }

  /**
   * A value the chosen authentication needs (`needed(authType, grant)`), as the runtime checks it
   * when it builds the connection (ERR_CONFIG). While the dialog is open, the form's choice counts.
   */
  function requiredFor(needed, whatKey) {
    return function (v, opt) {
      var typeInput = $('#node-config-input-authType');
      var grantInput = $('#node-config-input-oauth2Grant');
      var type = typeInput.length ? typeInput.val() : this.authType;
      var grant = grantInput.length ? grantInput.val() : this.oauth2Grant;
      if (!needed.call(this, type, grant)) return true;
      if (v !== undefined && v !== null && String(v).trim() !== '') return true;
      return invalid(this, opt, whatKey);
    };
  }

  /** The connection's {name, value} lists (headers, query parameters, cookies, token parameters). */
  function validNameValueList(v) {
    return (
      Array.isArray(v) &&
      v.every(function (p) {
        return p && typeof p.name === 'string' && typeof p.value === 'string';
      })
    );
  }

  /** The query nodes' {name, value, type} lists, whose value is a typedInput. */
  function validTypedList(v) {
    return (
      Array.isArray(v) &&
      v.every(function (p) {
        return p && typeof p.name === 'string' && VALUE_TYPES.indexOf(p.type) !== -1;
      })
    );
  }

  /**
   * JSONPaths as the runtime judged them (POST rest-connection/jsonpath-check, which compiles them
   * with lib/extract's CompiledPath), by their trimmed text: {ok} or {ok: false, message}.
   */
  var jsonPathVerdicts = {};

  /**
   * Empty (the node's default applies), an ${ENV} reference, or a path the runtime's parser
   * accepts: any non-blank text until the check answers (the runtime reads `data.items`, `.x`,
   * `@.x` and `[0]` as paths from the root), then its verdict.
   */
  function validJsonPath(v, opt) {
    if (v === undefined || v === null || v === '') return true;
    if (typeof v !== 'string' || v.trim() === '') return invalid(this, opt, 'validation.message.jsonPathEmpty');
    if (isEnvReference(v)) return true;
    var verdict = jsonPathVerdicts[v.trim()];
    return verdict && !verdict.ok ? invalidText(opt, verdict.message) : true;
  }

  /**
   * Asks the runtime about the JSONPath in `input` (once per text), then `done(verdict)`: Node-RED's
   * own fields are validated again (a change event), other fields are marked here.
   */
  function checkJsonPath(input, done) {
    var path = String(input.val() || '').trim();
    if (!path || isEnvReference(path)) return done(undefined);
    if (jsonPathVerdicts[path]) return done(jsonPathVerdicts[path]);
    $.ajax({
      url: 'rest-connection/jsonpath-check',
      type: 'POST',
      contentType: 'application/json',
      data: JSON.stringify({ path: path }),
      dataType: 'json',
    }).done(function (answer) {
      jsonPathVerdicts[path] = answer && answer.ok === false ? { ok: false, message: answer.message } : { ok: true };
      done(jsonPathVerdicts[path]);
    });
  }

  /** Checks Node-RED's JSONPath fields (ids) with the runtime as they are changed, and once now. */
  function checkJsonPathFields(ids) {
    ids.forEach(function (id) {
      var input = $('#' + id);
      function check() {
        var before = jsonPathVerdicts[String(input.val() || '').trim()];
        checkJsonPath(input, function (verdict) {
          // validate again only when the verdict is new: the change event brings us back here
          if (verdict && !before) input.trigger('change');
        });
      }
      input.on('change', check);
      check();
    });
  }

  /** JSONPaths in list rows (the grid's column paths, class `pathClass` in list `listId`): marked here. */
  function checkJsonPathList(listId, pathClass) {
    function check(input) {
      checkJsonPath(input, function (verdict) {
        input.toggleClass('input-error', !!verdict && !verdict.ok);
        input.attr('title', verdict && !verdict.ok ? verdict.message : null);
      });
    }
    $('#' + listId).on('change', '.' + pathClass, function () {
      check($(this));
    });
    $('#' + listId)
      .find('.' + pathClass)
      .each(function () {
        check($(this));
      });
  }

  /** The grid's columns: {name, path} rows whose paths the runtime has not rejected. */
  function validColumns(v, opt) {
    if (!Array.isArray(v)) return invalid(this, opt, 'validation.message.columnsNotList');
    for (var i = 0; i < v.length; i++) {
      var c = v[i];
      if (!c || typeof c.name !== 'string' || typeof c.path !== 'string')
        return invalid(this, opt, 'validation.message.columnsNotList');
      var path = validJsonPath(c.path, { label: c.name });
      if (path !== true) return invalidText(opt, path);
    }
    return true;
  }

  /**
   * Marks the RED.tabs tab (of list `tabsId`) whose pane holds a field Node-RED marked invalid
   * (input-error), and unmarks it once fixed: a user sees which of the tabs to open.
   */
  function markTabsOfInvalidFields(tabsId, contentId) {
    var content = document.getElementById(contentId);
    if (!content) return;
    function update() {
      $(content)
        .children()
        .each(function () {
          var bad = $(this).find('.input-error').length > 0;
          $('#' + tabsId + ' a[href="#' + this.id + '"]')
            .closest('li')
            .toggleClass('rest-tab-invalid', bad);
        });
    }
    new MutationObserver(update).observe(content, { subtree: true, attributes: true, attributeFilter: ['class'] });
    update();
  }

  /**
   * Number fields are Node-RED's own inputs (#node-input-<name>, #node-config-input-<name>), plain
   * text so that an ${ENV} reference can be typed; Node-RED fills and validates them, and this
   * keeps numbers numbers in the flow JSON (an ${ENV} reference stays text). `idPrefix` is
   * 'node-input-' or 'node-config-input-'.
   */
  function saveNumbers(node, names, idPrefix) {
    names.forEach(function (name) {
      var v = String($('#' + idPrefix + name).val() || '').trim();
      node[name] = v !== '' && !isNaN(Number(v)) ? Number(v) : v;
    });
  }
  /**
   * A new config node gets only its truthy defaults from Node-RED (showEditConfigNodeDialog), so a
   * number whose default is 0 would show empty: the form shows the default where the node has none.
   */
  function showNumberDefaults(node, names, idPrefix, definitions) {
    names.forEach(function (name) {
      if (node[name] === undefined || node[name] === null) $('#' + idPrefix + name).val(definitions.defaults[name]);
    });
  }
  /**
   * An editableList of two-cell rows, a name and a value, for the settings stored as lists: the
   * connection's headers, query parameters, cookies and token parameters ({name, value}), the
   * query nodes' query and headers ({name, value, type}: the value is a typedInput) and the grid's
   * columns ({name, path}). `list` says how: the cells' classes, placeholders and widths, `key`
   * (the value's property, default value), `typed` and `trimValue`.
   */
  function pairList(id, items, list) {
    var key = list.key || 'value';
    var element = $('#' + id)
      .addClass('rest-pairs')
      .editableList({
        // the list grows with its rows (an empty one is one row high: nodes/shared/editor-form.css)
        height: 'auto',
        addItem: function (row, index, data) {
          row.addClass('rest-pair');
          $('<input/>', { type: 'text', class: list.nameClass, placeholder: list.namePlaceholder })
            .css({ flex: '1 1 ' + list.nameWidth })
            .val(data.name || '')
            .appendTo(row);
          var value = $('<input/>', { type: 'text', class: list.valueClass, placeholder: list.valuePlaceholder });
          if (!list.typed) {
            value
              .css({ flex: '1 1 ' + list.valueWidth })
              .val(data[key] || '')
              .appendTo(row);
            return;
          }
          var cell = $('<div/>', { class: 'rest-pair-value' })
            .css({ flex: '1 1 ' + list.valueWidth })
            .appendTo(row);
          value.css('width', '100%').appendTo(cell);
          value.typedInput({ default: 'str', types: VALUE_TYPES });
          value.typedInput('type', data.type || 'str');
          value.typedInput('value', data.value === undefined ? '' : data.value);
        },
        removable: true,
        sortable: true,
      });
    (items || []).forEach(function (item) {
      element.editableList('addItem', item);
    });
  }

  /** The rows of a pairList that have a name, as the node stores them. */
  function readPairList(id, list) {
    var key = list.key || 'value';
    var rows = [];
    $('#' + id)
      .editableList('items')
      .each(function () {
        var name = $(this)
          .find('.' + list.nameClass)
          .val()
          .trim();
        var value = $(this).find('.' + list.valueClass);
        if (!name) return;
        var row = { name: name };
        if (list.typed) {
          row.value = value.typedInput('value');
          row.type = value.typedInput('type');
        } else {
          row[key] = list.trimValue ? value.val().trim() : value.val();
        }
        rows.push(row);
      });
    return rows;
  }

  return {
    VALUE_TYPES: VALUE_TYPES,
    defaultsOf: defaultsOf,
    credentialsOf: credentialsOf,
    isEnvReference: isEnvReference,
    validUrl: validUrl,
    validProxyUrl: validProxyUrl,
    validWholeNumber: validWholeNumber,
    validDecimal: validDecimal,
    validNameValueList: validNameValueList,
    validTypedList: validTypedList,
    validJsonPath: validJsonPath,
    validColumns: validColumns,
    requiredFor: requiredFor,
    checkJsonPathFields: checkJsonPathFields,
    checkJsonPathList: checkJsonPathList,
    markTabsOfInvalidFields: markTabsOfInvalidFields,
    saveNumbers: saveNumbers,
    showNumberDefaults: showNumberDefaults,
    pairList: pairList,
    readPairList: readPairList,
  };
})();
