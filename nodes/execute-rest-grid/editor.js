/* global RestEditor, RestQueryEditor, RestPreviewPanel, __DEFINITIONS__ */
/**
 * Editor of execute-rest-grid: rows, columns and paging, on top of the request form the query
 * nodes share (nodes/shared/query-editor.js). scripts/build.js injects the defaults of
 * lib/definitions.ts for __DEFINITIONS__.
 */
(function () {
  'use strict';
  var DEFINITIONS = __DEFINITIONS__;
  var NUMBER_FIELDS = ['pageSize', 'maxPages', 'batchSize'];
  /** The columns list: {name, path} rows, with the placeholders of the node's catalog. */
  function columnsList(node) {
    return {
      nameClass: 'rest-col-name',
      namePlaceholder: node._('execute-rest-grid.placeholder.columnName'),
      nameWidth: '35%',
      valueClass: 'rest-col-path',
      valuePlaceholder: node._('execute-rest-grid.placeholder.columnPath'),
      valueWidth: '65%',
      key: 'path',
      trimValue: true,
    };
  }
  // which paging fields each mode uses; every mode sends the page size (when its parameter is
  // set) on the first request, and nextUrl / linkHeader then follow the API's links
  var PAGING_FIELDS = {
    none: [],
    nextUrl: ['nextPath', 'pageSize', 'maxPages'],
    linkHeader: ['pageSize', 'maxPages'],
    offset: ['pageParam', 'pageSize', 'maxPages'],
    page: ['pageParam', 'pageSize', 'maxPages'],
    cursor: ['nextPath', 'pageParam', 'pageSize', 'maxPages'],
  };

  RestQueryEditor.registerQueryNode('execute-rest-grid', {
    definitions: DEFINITIONS,
    icon: 'rest-grid.svg',
    validators: {
      rowsPath: RestEditor.validJsonPath,
      nextPath: RestEditor.validJsonPath,
      pageSize: RestEditor.validWholeNumber(1),
      maxPages: RestEditor.validWholeNumber(1),
      batchSize: RestEditor.validWholeNumber(1),
      columns: RestEditor.validColumns,
    },
    prepare: function (node) {
      RestEditor.pairList('rest-columns-list', node.columns, columnsList(node));
      RestEditor.showNumberDefaults(node, NUMBER_FIELDS, 'node-input-', DEFINITIONS);
      // the paths as the runtime's parser reads them (an admin route), marked where they are typed
      RestEditor.checkJsonPathFields(['node-input-rowsPath', 'node-input-nextPath']);
      RestEditor.checkJsonPathList('rest-columns-list', columnsList(node).valueClass);

      function updatePaging() {
        var used = PAGING_FIELDS[$('#node-input-paging').val()] || [];
        $('.rest-grid-paging').each(function () {
          $(this).toggle(used.indexOf($(this).data('field')) !== -1);
        });
      }
      $('#node-input-paging').on('change', updatePaging);
      updatePaging();

      function updateBatch() {
        var split = $('#node-input-split').is(':checked');
        $('#rest-grid-batch-row, #rest-grid-batch-note').toggle(split);
      }
      $('#node-input-split').on('change', updateBatch);
      updateBatch();

      // Preview (nodes/shared/preview-panel.js): a click in the response sets rowsPath or adds a column.
      RestPreviewPanel.attach(node, {
        currentRowsPath: function () {
          return $('#node-input-rowsPath').val();
        },
        rows: function (path) {
          $('#node-input-rowsPath').val(path).trigger('change');
        },
        column: function (name, path) {
          $('#rest-columns-list').editableList('addItem', { name: name, path: path });
        },
      });
    },
    save: function (node) {
      node.columns = RestEditor.readPairList('rest-columns-list', columnsList(node));
      RestEditor.saveNumbers(node, NUMBER_FIELDS, 'node-input-');
    },
  });
})();
