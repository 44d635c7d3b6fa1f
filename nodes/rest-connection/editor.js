/* global RestEditor, RestTestConnection, __DEFINITIONS__ */
/**
 * Editor of rest-connection: tabs for the connection, authentication, headers, proxy, TLS and
 * limits; the OAuth2 buttons (Discover, Authorize, Revoke) call the admin routes of
 * nodes/rest-connection/admin-routes.ts; Test connection (nodes/shared/test-connection.js) those
 * of dialog-routes.ts, before deploy. Defaults and credential types come from lib/definitions.ts
 * (scripts/build.js injects them for __DEFINITIONS__), so the editor and the runtime cannot
 * disagree on a name or a default.
 */
(function () {
  'use strict';
  var DEF = __DEFINITIONS__;

  var AUTH_FIELDS = {
    // which groups of fields each authType shows; oauth2 refines by grant below
    none: [],
    basic: ['userpass'],
    digest: ['userpass'],
    bearer: ['bearer', 'tokenheader'],
    apiKey: ['apikey'],
    oauth2: ['oauth2', 'tokenheader'],
  };
  var GRANT_FIELDS = {
    client_credentials: [],
    password: ['userpass'],
    refresh_token: ['refresh'],
    authorization_code: ['authcode', 'refresh'],
    device_code: ['device', 'refresh'],
    jwt_bearer: ['jwt', 'jwtsubject'],
  };
  var NUMBER_FIELDS = ['timeout', 'retries', 'maxResponseBytes', 'maxConcurrent', 'rateLimit', 'maxQueued'];

  /** The open dialog's RED.tabs, resized with the tray (oneditresize). */
  var connectionTabs;

  var defaults = RestEditor.defaultsOf(DEF);
  defaults.baseUrl.required = true;
  defaults.baseUrl.validate = RestEditor.validUrl(false);
  ['discoveryUrl', 'tokenUrl', 'authorizeUrl', 'revokeUrl', 'deviceAuthorizationUrl'].forEach(function (k) {
    defaults[k].validate = RestEditor.validUrl(true);
  });
  defaults.proxyUrl.validate = RestEditor.validProxyUrl;
  // the ranges lib/http/rest-client.ts accepts: timeout up to a day, at most 10 retries, 0 bytes = no limit
  defaults.timeout.validate = RestEditor.validWholeNumber(1, 24 * 3600 * 1000);
  defaults.retries.validate = RestEditor.validWholeNumber(0, 10);
  defaults.maxResponseBytes.validate = RestEditor.validWholeNumber(0, Number.MAX_SAFE_INTEGER);
  // lib/limits/limit-settings.ts: the same ranges; rateLimit takes decimals
  defaults.maxConcurrent.validate = RestEditor.validWholeNumber(0, 10000);
  defaults.rateLimit.validate = RestEditor.validDecimal(0, 100000);
  defaults.maxQueued.validate = RestEditor.validWholeNumber(0, 1000000);
  ['headers', 'queryParams', 'cookies', 'tokenParams', 'tokenHeaders', 'authorizeParams'].forEach(function (k) {
    defaults[k].validate = RestEditor.validNameValueList;
  });

  // What each authentication needs, as lib/auth checks it when the connection is built (ERR_CONFIG):
  // marked in the form as soon as the chosen type needs it and it is empty.
  var credentials = RestEditor.credentialsOf(DEF);
  credentials.username.validate = RestEditor.requiredFor(function (type, grant) {
    return type === 'basic' || type === 'digest' || (type === 'oauth2' && grant === 'password');
  }, 'validation.message.usernameNeeded');
  credentials.token.validate = RestEditor.requiredFor(function (type) {
    return type === 'bearer';
  }, 'validation.message.tokenNeeded');
  credentials.apiKey.validate = RestEditor.requiredFor(function (type) {
    return type === 'apiKey';
  }, 'validation.message.apiKeyNeeded');
  defaults.apiKeyName.validate = RestEditor.requiredFor(function (type) {
    return type === 'apiKey';
  }, 'validation.message.apiKeyNameNeeded');
  credentials.clientId.validate = RestEditor.requiredFor(function (type, grant) {
    return type === 'oauth2' && grant !== 'refresh_token';
  }, 'validation.message.clientIdNeeded');
  // OAuth2 needs a token URL, or a discovery URL that names one (lib/auth/oauth2.ts)
  var tokenUrlNeeded = RestEditor.requiredFor(function (type) {
    var discovery = $('#node-config-input-discoveryUrl');
    return type === 'oauth2' && !String((discovery.length ? discovery.val() : this.discoveryUrl) || '').trim();
  }, 'validation.message.tokenUrlNeeded');
  var tokenUrlShape = defaults.tokenUrl.validate;
  defaults.tokenUrl.validate = function (v, opt) {
    return tokenUrlShape.call(this, v) ? tokenUrlNeeded.call(this, v, opt) : false;
  };

  /**
   * The connection's {name, value} lists: headers, query parameters, cookies, token parameters;
   * `placeholder` is the catalog key of the name cell's placeholder.
   */
  function nameValueList(node, placeholder) {
    return {
      nameClass: 'rc-nv-name',
      valueClass: 'rc-nv-value',
      namePlaceholder: placeholder ? node._(placeholder) : '',
      valuePlaceholder: node._('rest-connection.placeholder.value'),
      nameWidth: '40%',
      valueWidth: '60%',
      minHeight: '90px',
    };
  }

  /**
   * A PEM credential: the form holds its row (label, data-accept, data-paste-placeholder) and the
   * hidden input Node-RED stores; the upload, paste and clear controls are the same for each and
   * built here.
   */
  // A binary field (PKCS#12) keeps the uploaded file as base64; a pasted value is base64 already.
  function pemField(node, cred, hasValue) {
    var data = $('#node-config-input-' + cred);
    var row = data.closest('.rc-pem');
    function button(suffix, icon, text) {
      var b = $('<button type="button" class="red-ui-button"></button>').attr('id', 'rc-' + cred + '-' + suffix);
      b.append($('<i class="fa"></i>').addClass(icon));
      if (text) b.append(' ', $('<span></span>').text(node._(text)));
      return b;
    }
    data.before(
      button('upload', 'fa-upload', 'rest-connection.label.upload'),
      $('<input class="hide" type="file">')
        .attr({ id: 'rc-' + cred + '-file', accept: row.attr('data-accept') })
        .attr('data-binary', row.attr('data-binary') || null),
      button('paste-button', 'fa-paste', 'rest-connection.label.paste'),
      button('clear', 'fa-times').attr('title', node._('rest-connection.tooltip.clear')),
      $('<span class="rc-pem-status"></span>').attr('id', 'rc-' + cred + '-status'),
    );
    data.after(
      $('<textarea class="rc-pem-paste" style="display: none"></textarea>').attr({
        id: 'rc-' + cred + '-paste',
        placeholder: node._(row.attr('data-paste-placeholder')),
      }),
    );
    var status = $('#rc-' + cred + '-status');
    var paste = $('#rc-' + cred + '-paste');
    function show(key, substitutions) {
      status.text(node._(key, substitutions));
    }
    show(hasValue ? 'rest-connection.message.pem.stored' : 'rest-connection.message.pem.none');
    $('#rc-' + cred + '-file').on('change', function () {
      var file = this.files && this.files[0];
      if (!file) return;
      var reader = new FileReader();
      var binary = $('#rc-' + cred + '-file').attr('data-binary') === 'true';
      reader.onload = function (e) {
        var result = String(e.target.result);
        data.val(binary ? result.slice(result.indexOf(',') + 1) : result).trigger('change');
        show('rest-connection.message.pem.loaded', { file: file.name });
      };
      if (binary) reader.readAsDataURL(file);
      else reader.readAsText(file, 'UTF-8');
    });
    $('#rc-' + cred + '-upload').on('click', function () {
      $('#rc-' + cred + '-file').trigger('click');
    });
    $('#rc-' + cred + '-paste-button').on('click', function () {
      paste.val('').toggle().trigger('focus');
    });
    paste.on('input', function () {
      data.val(paste.val()).trigger('change');
      show(paste.val() ? 'rest-connection.message.pem.pasted' : 'rest-connection.message.pem.none');
    });
    $('#rc-' + cred + '-clear').on('click', function () {
      data.val('').trigger('change');
      paste.val('').hide();
      show('rest-connection.message.pem.none');
    });
  }

  RED.nodes.registerType('rest-connection', {
    category: 'config',
    icon: 'rest-connection.svg',
    defaults: defaults,
    credentials: credentials,
    paletteLabel: function () {
      return this._('rest-connection.label.paletteLabel');
    },
    label: function () {
      return this.name || this.baseUrl || this._('rest-connection.label.paletteLabel');
    },
    oneditprepare: function () {
      var node = this;
      var tabs = RED.tabs.create({
        id: 'rc-tabs',
        onchange: function (tab) {
          $('#rc-tabs-content').children().hide();
          $('#' + tab.id).show();
        },
      });
      connectionTabs = tabs;
      RestEditor.markTabsOfInvalidFields('rc-tabs', 'rc-tabs-content');
      [
        ['rc-tab-connection', 'rest-connection.tab.connection'],
        ['rc-tab-auth', 'rest-connection.tab.auth'],
        ['rc-tab-params', 'rest-connection.tab.params'],
        ['rc-tab-proxy', 'rest-connection.tab.proxy'],
        ['rc-tab-tls', 'rest-connection.tab.tls'],
        ['rc-tab-limits', 'rest-connection.tab.limits'],
      ].forEach(function (tab) {
        tabs.addTab({ id: tab[0], label: node._(tab[1]) });
      });
      setTimeout(function () {
        tabs.resize();
      }, 0);

      // Authentication: show only the fields the chosen type (and grant) uses.
      function updateAuthFields() {
        var type = $('#node-config-input-authType').val() || 'none';
        var groups = (AUTH_FIELDS[type] || []).slice();
        if (type === 'oauth2') {
          groups = groups.concat(GRANT_FIELDS[$('#node-config-input-oauth2Grant').val()] || []);
          if ($('#node-config-input-clientAuth').val() === 'private_key_jwt') groups.push('jwt');
        }
        $('.rc-auth').each(function () {
          var el = $(this);
          var shown = groups.some(function (g) {
            return el.hasClass('rc-auth-' + g);
          });
          el.toggle(shown);
        });
      }
      $('#node-config-input-authType, #node-config-input-oauth2Grant, #node-config-input-clientAuth').on(
        'change',
        updateAuthFields,
      );
      updateAuthFields();

      // "Is bearer token" and tokenPrefix describe the same thing: keep them in step.
      var prefix = $('#node-config-input-tokenPrefix');
      var isBearer = $('#rc-isBearer');
      isBearer.prop('checked', (node.tokenPrefix || '') !== '');
      isBearer.on('change', function () {
        prefix.val(isBearer.prop('checked') ? 'Bearer' : '').trigger('change');
      });
      prefix.on('input change', function () {
        isBearer.prop('checked', prefix.val().trim() !== '');
      });

      // The redirect URI the provider must know: this editor's admin root + rest-connection/callback.
      var adminRoot = RED.settings.httpAdminRoot || location.pathname;
      if (adminRoot.slice(-1) !== '/') adminRoot += '/';
      var editorRedirectUri = location.protocol + '//' + location.host + adminRoot + 'rest-connection/callback';
      $('#rc-redirectUri').val(editorRedirectUri);
      // The runtime builds the redirect URI it really sends from the request it receives
      // (a reverse proxy may change host or path): once it answers, show that one.
      function showServerRedirectUri(serverUri) {
        if (typeof serverUri !== 'string' || !serverUri) return;
        $('#rc-redirectUri').val(serverUri);
        var differs = serverUri !== editorRedirectUri;
        $('#rc-redirectUri-warning')
          .text(
            differs
              ? node._('rest-connection.message.redirectUriDiffers', { server: serverUri, editor: editorRedirectUri })
              : '',
          )
          .toggle(differs);
      }

      // Actions that need the runtime's copy of this node (Authorize, Revoke); Test works before deploy.
      var deployed = !!RED.nodes.node(node.id) && !node.changed;
      $('.rc-needs-deploy').prop('disabled', !deployed).toggleClass('disabled', !deployed);
      $('.rc-deploy-hint').toggle(!deployed);

      function adminUrl(action) {
        return 'rest-connection/' + encodeURIComponent(node.id) + '/' + action;
      }
      /** Shows the catalog text of `key` in `target`; showFailure fills its `__error__` from `xhr`. */
      function showMessage(target, ok, key, substitutions) {
        showResult(target, ok, node._(key, substitutions));
      }
      function showFailure(target, key, xhr) {
        showMessage(target, false, key, { error: errorText(xhr) });
      }
      function showResult(target, ok, text) {
        $(target)
          .text(text)
          .css('color', ok ? 'var(--red-ui-text-color-success, #3a7d2c)' : 'var(--red-ui-text-color-error, #c00)');
      }
      function errorText(xhr) {
        var body = xhr.responseJSON;
        if (body && body.error)
          return (body.error.code ? body.error.code + ': ' : '') + (body.error.message || body.error);
        return (body && body.message) || xhr.statusText || node._('rest-connection.message.requestFailed');
      }

      $('#rc-discover').on('click', function () {
        var url = $('#node-config-input-discoveryUrl').val().trim();
        if (!url) {
          showMessage('#rc-discover-result', false, 'rest-connection.message.enterDiscoveryUrl');
          return;
        }
        showMessage('#rc-discover-result', true, 'rest-connection.message.discovering');
        $.ajax({ url: 'rest-connection/discover', data: { url: url }, dataType: 'json' })
          .done(function (doc) {
            if (doc.token_endpoint) $('#node-config-input-tokenUrl').val(doc.token_endpoint).trigger('change');
            if (doc.authorization_endpoint)
              $('#node-config-input-authorizeUrl').val(doc.authorization_endpoint).trigger('change');
            if (doc.revocation_endpoint)
              $('#node-config-input-revokeUrl').val(doc.revocation_endpoint).trigger('change');
            showMessage('#rc-discover-result', true, 'rest-connection.message.discovered');
          })
          .fail(function (xhr) {
            showFailure('#rc-discover-result', 'rest-connection.message.discoveryFailed', xhr);
          });
      });
      $('#rc-authorize').on('click', function () {
        if ($(this).prop('disabled')) return;
        // open the window now (a popup opened after an await is blocked), then send it to
        // the provider's login URL, which the admin route builds with the editor's credentials
        var login = window.open('', '_blank');
        $.ajax({ url: adminUrl('authorize'), data: { format: 'json' }, dataType: 'json' })
          .done(function (r) {
            if (login) login.location = r.url;
            showMessage('#rc-oauth-result', true, 'rest-connection.message.authorizeStarted');
            showServerRedirectUri(r.redirectUri);
          })
          .fail(function (xhr) {
            if (login) login.close();
            showFailure('#rc-oauth-result', 'rest-connection.message.authorizeFailed', xhr);
          });
      });
      // Device login: the user code, the link and a QR code of it (qrcode-generator, served from
      // this package's resources/ and loaded only when used); the runtime polls, the editor follows.
      var devicePoll;
      function followDeviceLogin() {
        $.ajax({ url: adminUrl('device'), dataType: 'json' })
          .done(function (status) {
            if (status.state === 'pending') {
              devicePoll = setTimeout(followDeviceLogin, 3000);
              return;
            }
            var ok = status.state === 'authorized';
            showResult(
              '#rc-oauth-result',
              ok,
              ok ? node._('rest-connection.message.deviceLoggedIn') : status.message || status.state,
            );
            if (ok) $('#rc-device-login').hide();
          })
          .fail(function (xhr) {
            showFailure('#rc-oauth-result', 'rest-connection.message.deviceLoginError', xhr);
          });
      }
      function drawQrCode(link) {
        var target = $('#rc-device-qr').empty();
        function draw() {
          var qr = window.qrcode(0, 'M');
          qr.addData(link);
          qr.make();
          target.html(qr.createSvgTag({ cellSize: 3, margin: 2 }));
        }
        if (window.qrcode) return draw();
        $.ajax({ url: 'resources/@rest-nodes/node-red-rest-connection/qrcode.js', dataType: 'script', cache: true })
          .done(draw)
          .fail(function () {
            target.text(node._('rest-connection.message.qrUnavailable'));
          });
      }
      $('#rc-device').on('click', function () {
        if ($(this).prop('disabled')) return;
        clearTimeout(devicePoll);
        showMessage('#rc-oauth-result', true, 'rest-connection.message.askingForCode');
        $.ajax({ url: adminUrl('device'), type: 'POST', dataType: 'json' })
          .done(function (r) {
            var link = r.verificationUriComplete || r.verificationUri;
            $('#rc-device-link').attr('href', link).text(r.verificationUri);
            $('#rc-device-code').text(r.userCode);
            $('#rc-device-expiry').text(
              node._('rest-connection.message.codeValidFor', { minutes: Math.round(r.expiresIn / 60) }),
            );
            $('#rc-device-login').show();
            drawQrCode(link);
            showMessage('#rc-oauth-result', true, 'rest-connection.message.waitingForDevice');
            devicePoll = setTimeout(followDeviceLogin, 3000);
          })
          .fail(function (xhr) {
            showFailure('#rc-oauth-result', 'rest-connection.message.deviceLoginFailed', xhr);
          });
      });
      $('#rc-revoke').on('click', function () {
        if ($(this).prop('disabled')) return;
        $.ajax({ url: adminUrl('revoke'), type: 'POST', dataType: 'json' })
          .done(function () {
            showMessage('#rc-oauth-result', true, 'rest-connection.message.revoked');
          })
          .fail(function (xhr) {
            showFailure('#rc-oauth-result', 'rest-connection.message.revokeFailed', xhr);
          });
      });
      RestTestConnection.prepare(node);

      // Lists of name/value pairs.
      RestEditor.pairList('rc-headers', node.headers, nameValueList(node, 'rest-connection.placeholder.header'));
      RestEditor.pairList(
        'rc-queryParams',
        node.queryParams,
        nameValueList(node, 'rest-connection.placeholder.parameter'),
      );
      RestEditor.pairList('rc-cookies', node.cookies, nameValueList(node, 'rest-connection.placeholder.cookie'));
      RestEditor.pairList(
        'rc-tokenParams',
        node.tokenParams,
        nameValueList(node, 'rest-connection.placeholder.tokenParamName'),
      );
      RestEditor.pairList(
        'rc-tokenHeaders',
        node.tokenHeaders,
        nameValueList(node, 'rest-connection.placeholder.tokenHeaderName'),
      );
      RestEditor.pairList(
        'rc-authorizeParams',
        node.authorizeParams,
        nameValueList(node, 'rest-connection.placeholder.authorizeParamName'),
      );

      // Proxy fields only matter when the proxy is used.
      function updateProxy() {
        $('.rc-proxy').toggle($('#node-config-input-useProxy').prop('checked'));
      }
      $('#node-config-input-useProxy').on('change', updateProxy);
      updateProxy();

      // Turning off certificate verification is allowed, but never silently.
      function updateTlsWarning() {
        $('#rc-tlsVerify-warning').toggle(!$('#node-config-input-tlsVerify').prop('checked'));
      }
      $('#node-config-input-tlsVerify').on('change', updateTlsWarning);
      updateTlsWarning();

      RestEditor.showNumberDefaults(node, NUMBER_FIELDS, 'node-config-input-', DEF);

      var creds = node.credentials || {};
      ['caCert', 'clientCert', 'clientKey', 'pfx', 'jwtPrivateKey'].forEach(function (c) {
        pemField(node, c, !!creds['has_' + c]);
      });
    },
    oneditsave: function () {
      var node = this;
      ['headers', 'queryParams', 'cookies', 'tokenParams', 'tokenHeaders', 'authorizeParams'].forEach(function (k) {
        node[k] = RestEditor.readPairList('rc-' + k, nameValueList(node));
      });
      RestEditor.saveNumbers(node, NUMBER_FIELDS, 'node-config-input-');
    },
    oneditresize: function () {
      // the form's rows follow the tray's width by themselves (nodes/shared/editor-form.css); the tabs share it out
      if (connectionTabs) connectionTabs.resize();
    },
  });
})();
