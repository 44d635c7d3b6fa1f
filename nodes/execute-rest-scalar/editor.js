/* global RestEditor, RestQueryEditor, RestPreviewPanel, __DEFINITIONS__ */
/**
 * Editor of execute-rest-scalar: the value path, its conversion and what happens when it matches
 * nothing, on top of the request form the query nodes share (nodes/shared/query-editor.js).
 * scripts/build.js injects the defaults of lib/definitions.ts for __DEFINITIONS__.
 */
(function () {
  'use strict';
  RestQueryEditor.registerQueryNode('execute-rest-scalar', {
    definitions: __DEFINITIONS__,
    icon: 'rest-scalar.svg',
    validators: { valuePath: RestEditor.validJsonPath },
    prepare: function (node) {
      // the path as the runtime's parser reads it (an admin route), marked where it is typed
      RestEditor.checkJsonPathFields(['node-input-valuePath']);
      function updateMissing() {
        $('.rest-scalar-default').toggle($('#node-input-missing').val() === 'default');
      }
      $('#node-input-missing').on('change', updateMissing);
      updateMissing();

      // Preview (nodes/shared/preview-panel.js): a click in the response sets valuePath.
      RestPreviewPanel.attach(node, {
        value: function (path) {
          $('#node-input-valuePath').val(path).trigger('change');
        },
      });
    },
  });
})();
