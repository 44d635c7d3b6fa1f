/* global RestEditor, RestQueryEditor, __DEFINITIONS__ */
/**
 * Editor of execute-rest-grid: rows, columns and paging, on top of the request form the query
 * nodes share (nodes/shared/query-editor.js). scripts/build.js injects the defaults of
 * lib/definitions.ts for __DEFINITIONS__.
 */
(function () {
  'use strict';
  var DEFINITIONS = __DEFINITIONS__;
  var NUMBER_FIELDS = ['pageSize', 'maxPages', 'batchSize'];
  var COLUMNS = {
    nameClass: 'rest-col-name',
    namePlaceholder: 'column name',
    nameWidth: '35%',
    valueClass: 'rest-col-path',
    valuePlaceholder: 'JSONPath on the row, e.g. $.address.city',
    valueWidth: '65%',
    key: 'path',
    trimValue: true,
  };
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
    paletteLabel: 'rest grid',
    validators: {
      rowsPath: RestEditor.validJsonPath,
      nextPath: RestEditor.validJsonPath,
      pageSize: RestEditor.validWholeNumber(1),
      maxPages: RestEditor.validWholeNumber(1),
      batchSize: RestEditor.validWholeNumber(1),
      columns: RestEditor.validColumns,
    },
    prepare: function (node) {
      RestEditor.pairList('rest-columns-list', node.columns, COLUMNS);
      RestEditor.showNumberDefaults(node, NUMBER_FIELDS, 'node-input-', DEFINITIONS);
      // the paths as the runtime's parser reads them (an admin route), marked where they are typed
      RestEditor.checkJsonPathFields(['node-input-rowsPath', 'node-input-nextPath']);
      RestEditor.checkJsonPathList('rest-columns-list', COLUMNS.valueClass);

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
    },
    save: function (node) {
      node.columns = RestEditor.readPairList('rest-columns-list', COLUMNS);
      RestEditor.saveNumbers(node, NUMBER_FIELDS, 'node-input-');
    },
  });
})();
