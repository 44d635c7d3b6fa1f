/* exported RestTestConnection */
/**
 * Test connection in the rest-connection dialog, before deploy: the Test path field and the
 * button, which sends the dialog's unsaved settings and credentials to POST
 * /rest-connection/test (nodes/rest-connection/dialog-routes.ts). A password field that shows a
 * stored value holds "__PWRD__", which the runtime replaces by the deployed node's secret. The
 * answer shows the status, the time and, for OAuth2, the token's expiry and scopes.
 *
 * The Test path row, the button and its note are in nodes/rest-connection/editor.html.
 * scripts/build.js puts this file before the connection's editor.js, in one function scope.
 * Texts come from the node's catalog (nodes/shared/locales/<lang>/preview.json).
 */
var RestTestConnection = (function () {
  'use strict';

  /** A text of the node's catalog (nodes/shared/locales/<lang>/preview.json, merged in by the build); `__name__` takes vars.name. */
  function t(node, key, vars) {
    return typeof node._ === 'function' ? node._(key, vars) : key;
  }

  /** The dialog's settings as the node would save them, and the credentials as typed. */
  function dialogSettings(node) {
    var def = node._def;
    // the save step looks texts up in the node's catalog (node._); JSON leaves the function out
    var config = { _: node._ };
    Object.keys(def.defaults).forEach(function (name) {
      var input = $('#node-config-input-' + name);
      if (input.length === 0) config[name] = node[name];
      else if (input.is(':checkbox')) config[name] = input.prop('checked');
      else config[name] = input.val();
    });
    // Lists and number fields are read by the dialog's own save step; it writes only to the object it is given.
    if (def.oneditsave) def.oneditsave.call(config);
    var credentials = {};
    Object.keys(def.credentials || {}).forEach(function (name) {
      var input = $('#node-config-input-' + name);
      if (input.length) credentials[name] = input.val();
    });
    return { config: config, credentials: credentials };
  }

  function show(ok, text) {
    $('#rc-test-result')
      .text(text)
      .css('color', ok ? 'var(--red-ui-text-color-success, #3a7d2c)' : 'var(--red-ui-text-color-error, #c00)');
  }

  /** "OK, status 200, 35 ms" (and the token's expiry and scopes), or "Failed, status 401, 12 ms, ERR_AUTH: …". */
  function resultText(node, r) {
    var parts = [];
    if (r.statusCode !== undefined) parts.push(t(node, 'preview.status.status', { code: r.statusCode }));
    if (r.timeMs !== undefined) parts.push(r.timeMs + ' ms');
    if (!r.ok) parts.push((r.code ? r.code + ': ' : '') + (r.message || ''));
    var head = r.ok ? t(node, 'preview.status.ok') : t(node, 'preview.status.failed');
    return head + ', ' + parts.join(', ');
  }

  function tokenText(node, token) {
    if (!token) return '';
    var parts = [];
    if (token.expiresAt) {
      parts.push(
        t(node, 'preview.message.tokenExpires', {
          time: new Date(token.expiresAt).toLocaleString(),
          minutes: Math.floor((token.expiresIn || 0) / 60),
        }),
      );
    } else {
      parts.push(t(node, 'preview.message.tokenNoExpiry'));
    }
    parts.push(
      token.scopes && token.scopes.length
        ? t(node, 'preview.message.tokenScopes', { scopes: token.scopes.join(' ') })
        : t(node, 'preview.message.tokenNoScopes'),
    );
    return parts.join('; ');
  }

  /** oneditprepare: the note and the button (the template's labels are translated by Node-RED: data-i18n). */
  function prepare(node) {
    $('#rc-test-note').text(t(node, 'preview.note.test'));
    $('#rc-test').on('click', function () {
      var settings = dialogSettings(node);
      show(true, t(node, 'preview.status.testing'));
      $('#rc-test-note').text('');
      $.ajax({
        url: 'rest-connection/test',
        type: 'POST',
        dataType: 'json',
        contentType: 'application/json',
        data: JSON.stringify({ id: node.id, config: settings.config, credentials: settings.credentials }),
      })
        .done(function (r) {
          show(r.ok === true, resultText(node, r));
          $('#rc-test-note').text(tokenText(node, r.token));
        })
        .fail(function (xhr) {
          var body = xhr.responseJSON;
          var error = body && body.error ? (body.error.code ? body.error.code + ': ' : '') + body.error.message : '';
          show(false, t(node, 'preview.status.failed') + ', ' + (error || xhr.statusText || 'request failed'));
        });
    });
  }

  return { prepare: prepare, dialogSettings: dialogSettings, text: t };
})();
