/* global RestJsonTree */
/* exported RestPreviewPanel */
/**
 * Preview in the grid and scalar dialogs: runs the dialog's unsaved request (POST
 * /rest-connection/preview, nodes/rest-connection/dialog-routes.ts) with an optional sample msg
 * typed as JSON, and shows (a) the response as a collapsible JSON tree (json-tree.js) and (b) the
 * first 20 rows as the node would output them, or the scalar value with its type. A click in the
 * tree sets the paths: an array becomes rowsPath, a field inside a row a new column, any node
 * the scalar's valuePath; the preview then runs again.
 *
 * The node's editor.js says what a pick changes (`attach(node, picks)`), since it owns its fields.
 * scripts/build.js puts this file after json-tree.js, in the query nodes' editor scope. Texts come
 * from the node's catalog (nodes/shared/locales/<lang>/preview.json).
 */
var RestPreviewPanel = (function () {
  'use strict';

  /** The sample msg typed per node, kept while the editor is open. */
  var samples = {};
  var STYLE = [
    '.rest-preview { contain: inline-size; }',
    '.rest-preview .rest-section { margin: 16px 0 8px; font-weight: bold; border-bottom: 1px solid var(--red-ui-secondary-border-color, #ddd); }',
    '.rest-preview .form-row > label { width: 130px; }',
    '.rest-preview textarea { width: calc(100% - 140px); height: 56px; font-family: monospace; }',
    '.rest-preview .rest-preview-hint { margin-left: 130px; font-size: 0.9em; color: var(--red-ui-secondary-text-color, #777); }',
    '.rest-preview .rest-preview-heading { margin: 10px 0 4px; font-weight: bold; }',
    '.rest-preview .rest-preview-box { max-height: 320px; overflow: auto; border: 1px solid var(--red-ui-secondary-border-color, #ddd); padding: 4px 6px; }',
    '.rest-preview .rest-preview-error { color: var(--red-ui-text-color-error, #c00); }',
    '.rest-json-tree { font-family: monospace; font-size: 12px; }',
    '.rest-json-children { padding-left: 16px; }',
    '.rest-json-line { cursor: pointer; white-space: nowrap; }',
    '.rest-json-line:hover { background: var(--red-ui-list-item-background-hover, #eef); }',
    '.rest-json-toggle { display: inline-block; width: 14px; color: #888; }',
    '.rest-json-key { margin-right: 4px; color: var(--red-ui-text-color-code, #a11); }',
    '.rest-json-string { color: #2a7e2a; } .rest-json-number, .rest-json-boolean { color: #1f4fb3; } .rest-json-null { color: #888; }',
    '.rest-preview table { border-collapse: collapse; font-size: 12px; }',
    '.rest-preview th, .rest-preview td { border: 1px solid var(--red-ui-secondary-border-color, #ddd); padding: 2px 6px; text-align: left; white-space: nowrap; }',
    '.rest-preview .rest-preview-type { margin-left: 8px; font-style: italic; color: var(--red-ui-secondary-text-color, #777); }',
  ].join('\n');

  /** A text of the node's catalog (nodes/shared/locales/<lang>/preview.json, merged in by the build); `__name__` takes vars.name. */
  function t(node, key, vars) {
    return typeof node._ === 'function' ? node._(key, vars) : key;
  }

  function addStyle() {
    if ($('#rest-preview-style').length === 0)
      $('<style id="rest-preview-style"></style>').text(STYLE).appendTo('head');
  }

  /** The dialog's settings as the node would save them (its own save step reads the lists and numbers). */
  function dialogSettings(node) {
    var def = node._def;
    // the save step looks texts up in the node's catalog (node._); JSON leaves the function out
    var settings = { id: node.id, type: node.type, _: node._ };
    Object.keys(def.defaults).forEach(function (name) {
      var input = $('#node-input-' + name);
      if (input.length === 0) settings[name] = node[name];
      else if (input.is(':checkbox')) settings[name] = input.prop('checked');
      else settings[name] = input.val();
    });
    if (def.oneditsave) def.oneditsave.call(settings);
    return settings;
  }

  /**
   * The chosen connection as the editor holds it: its settings, and the credentials changed in the
   * editor since the last deploy (the runtime takes the others from the deployed node).
   */
  function connectionOf(id) {
    var connection = id && RED.nodes.node(id);
    if (!connection || connection.type !== 'rest-connection') return null;
    var config = {};
    Object.keys(connection._def.defaults).forEach(function (name) {
      config[name] = connection[name];
    });
    var credentials = {};
    var held = connection.credentials || {};
    Object.keys(connection._def.credentials || {}).forEach(function (name) {
      if (typeof held[name] === 'string') credentials[name] = held[name];
    });
    return { id: id, config: config, credentials: credentials };
  }

  function cellText(value) {
    if (value === null || value === undefined) return value === null ? 'null' : '';
    if (typeof value === 'object') {
      var text = JSON.stringify(value);
      return text.length > 80 ? text.slice(0, 79) + '…' : text;
    }
    return String(value);
  }

  /** The rows as a table: arrays under `columns`, objects under the keys of the rows, anything else as one column. */
  function rowsTable(rows, columns) {
    var table = $('<table id="rest-preview-rows"></table>');
    var names = columns || [];
    var objects = rows.every(function (row) {
      return row !== null && typeof row === 'object' && !Array.isArray(row);
    });
    if (objects && !columns) {
      rows.forEach(function (row) {
        Object.keys(row).forEach(function (key) {
          if (names.indexOf(key) === -1) names.push(key);
        });
      });
    }
    var head = $('<tr></tr>').appendTo($('<thead></thead>').appendTo(table));
    $('<th></th>').text('#').appendTo(head);
    (names.length ? names : ['value']).forEach(function (name) {
      $('<th></th>').text(name).appendTo(head);
    });
    var body = $('<tbody></tbody>').appendTo(table);
    rows.forEach(function (row, index) {
      var tr = $('<tr></tr>').appendTo(body);
      $('<td></td>')
        .text(index + 1)
        .appendTo(tr);
      if (Array.isArray(row) && columns) {
        row.forEach(function (cell) {
          $('<td></td>').text(cellText(cell)).appendTo(tr);
        });
      } else if (objects) {
        names.forEach(function (name) {
          $('<td></td>').text(cellText(row[name])).appendTo(tr);
        });
      } else {
        $('<td></td>').text(cellText(row)).appendTo(tr);
      }
    });
    return table;
  }

  /**
   * A pick in a grid's tree: an array is the rows; a field inside a row is a column, its path
   * relative to the row (the rows are those of the current rowsPath when the field is in one of
   * them, else of the nearest array above the field).
   */
  function gridPick(picks, body, segments, value) {
    if (Array.isArray(value)) return picks.rows(RestJsonTree.pathText(segments));
    var current = RestJsonTree.parsePath(picks.currentRowsPath());
    var start = -1;
    if (current) {
      var base = current.segments;
      var inside = segments.length > base.length;
      for (var i = 0; inside && i < base.length; i++) inside = segments[i] === base[i];
      if (inside) {
        var rowsValue = RestJsonTree.valueAt(body, base);
        var elements = current.elements || Array.isArray(rowsValue);
        start = elements ? (typeof segments[base.length] === 'number' ? base.length + 1 : -1) : base.length;
      }
    }
    if (start === -1) {
      var last = -1;
      segments.forEach(function (segment, index) {
        if (typeof segment === 'number') last = index;
      });
      picks.rows(RestJsonTree.pathText(last === -1 ? [] : segments.slice(0, last)));
      start = last + 1;
    }
    var relative = segments.slice(start);
    if (relative.length === 0) return;
    var names = relative.filter(function (segment) {
      return typeof segment === 'string';
    });
    picks.column(names.length ? names[names.length - 1] : 'value', RestJsonTree.pathText(relative));
  }

  /**
   * Adds the Preview section to the open dialog. `picks`: for a grid `currentRowsPath()`,
   * `rows(path)` and `column(name, path)`; for a scalar `value(path)`.
   */
  function attach(node, picks) {
    addStyle();
    var grid = node.type === 'execute-rest-grid';
    // inside the form, whose layout keeps the tray within the screen (nodes/shared/editor-form.css)
    var panel = $('<div class="rest-preview"></div>').appendTo('#dialog-form .rest-form');
    $('<div class="rest-section"></div>').text(t(node, 'preview.label.section')).appendTo(panel);
    var msgRow = $('<div class="form-row"></div>').appendTo(panel);
    $('<label for="rest-preview-msg"></label>').text(t(node, 'preview.label.sampleMsg')).appendTo(msgRow);
    var msgBox = $('<textarea id="rest-preview-msg"></textarea>')
      .attr('placeholder', t(node, 'preview.placeholder.sampleMsg'))
      .val(samples[node.id] || '')
      .appendTo(msgRow);
    var runRow = $('<div class="form-row"></div>').appendTo(panel);
    $('<label>&nbsp;</label>').appendTo(runRow);
    var button = $('<button type="button" class="red-ui-button" id="rest-preview-run"></button>')
      .append('<i class="fa fa-eye"></i> ')
      .append($('<span></span>').text(t(node, 'preview.label.preview')))
      .appendTo(runRow);
    var status = $('<span id="rest-preview-status" style="margin-left: 10px"></span>').appendTo(runRow);
    $('<div class="form-row rest-preview-hint"></div>')
      .text(grid ? t(node, 'preview.note.grid') : t(node, 'preview.note.scalar'))
      .appendTo(panel);
    $('<div class="rest-preview-heading"></div>').text(t(node, 'preview.label.response')).appendTo(panel);
    var tree = $('<div class="rest-preview-box" id="rest-preview-tree"></div>').appendTo(panel);
    $('<div class="rest-preview-heading"></div>')
      .text(grid ? t(node, 'preview.label.rows') : t(node, 'preview.label.value'))
      .appendTo(panel);
    var result = $('<div class="rest-preview-box" id="rest-preview-result"></div>').appendTo(panel);
    var shownBody;

    function showStatus(ok, text) {
      status.text(text).toggleClass('rest-preview-error', !ok);
    }

    function onPick(segments, value) {
      if (grid) gridPick(picks, lastBody, segments, value);
      else picks.value(RestJsonTree.pathText(segments));
      run();
    }
    var lastBody;

    function show(answer) {
      var bodyText = JSON.stringify(answer.body);
      lastBody = answer.body;
      if (answer.body === undefined) tree.empty();
      else if (bodyText !== shownBody) RestJsonTree.render(tree, answer.body, { onPick: onPick });
      shownBody = bodyText;
      if (answer.bodyTruncated) {
        $('<div class="rest-preview-hint"></div>')
          .css('margin-left', 0)
          .text(t(node, 'preview.note.bodyCut'))
          .appendTo(tree);
      }
      result.empty();
      if (answer.error) {
        var code = answer.error.statusCode ? ' ' + answer.error.statusCode : '';
        showStatus(false, answer.error.code + code + ': ' + answer.error.message);
        return;
      }
      if (grid) {
        var text = t(node, 'preview.status.rows', {
          status: answer.statusCode,
          count: answer.rowCount,
          pages: answer.pages,
        });
        if (answer.morePages) text += ' · ' + t(node, 'preview.status.morePages');
        if (answer.rowCount > answer.rows.length)
          text += ' · ' + t(node, 'preview.status.firstRows', { count: answer.rows.length });
        showStatus(true, text);
        rowsTable(answer.rows, answer.columns).appendTo(result);
      } else {
        showStatus(true, t(node, 'preview.status.value', { status: answer.statusCode }));
        var line = $('<div class="rest-preview-value"></div>').appendTo(result);
        $('<code id="rest-preview-value"></code>').text(JSON.stringify(answer.value)).appendTo(line);
        $('<span class="rest-preview-type" id="rest-preview-type"></span>').text(answer.valueType).appendTo(line);
      }
    }

    function run() {
      var text = msgBox.val().trim();
      samples[node.id] = text;
      var msg;
      msgBox.removeClass('input-error');
      if (text) {
        try {
          msg = JSON.parse(text);
        } catch (err) {
          msgBox.addClass('input-error');
          return showStatus(false, t(node, 'preview.message.badMsg', { error: err.message }));
        }
        if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
          msgBox.addClass('input-error');
          return showStatus(false, t(node, 'preview.message.msgNotObject'));
        }
      }
      var connection = connectionOf($('#node-input-connection').val());
      if (!connection) return showStatus(false, t(node, 'preview.message.noConnection'));
      showStatus(true, t(node, 'preview.status.running'));
      $.ajax({
        url: 'rest-connection/preview',
        type: 'POST',
        dataType: 'json',
        contentType: 'application/json',
        data: JSON.stringify({ node: dialogSettings(node), connection: connection, msg: msg }),
      })
        .done(show)
        .fail(function (xhr) {
          var body = xhr.responseJSON;
          var error =
            body && body.error ? body.error.code + ': ' + body.error.message : xhr.statusText || 'request failed';
          showStatus(false, error);
        });
    }
    button.on('click', run);
  }

  return { attach: attach, text: t };
})();
