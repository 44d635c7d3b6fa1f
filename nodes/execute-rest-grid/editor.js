/* global $, RestEditor, RestQueryEditor, __DEFINITIONS__ */
/**
 * Editor of execute-rest-grid: rows, columns and paging, on top of the request form the query
 * nodes share (nodes/shared/query-editor.js). scripts/build.js injects the defaults of
 * lib/definitions.ts for __DEFINITIONS__.
 */
(function () {
  'use strict';
  var DEFINITIONS = __DEFINITIONS__;
  var NUMBER_FIELDS = ['pageSize', 'maxPages'];
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
    prefix: 'rest-grid',
    icon: 'rest-grid.svg',
    paletteLabel: 'rest grid',
    validators: {
      rowsPath: RestEditor.jsonPath,
      nextPath: RestEditor.jsonPath,
      pageSize: RestEditor.wholeNumber(1),
      maxPages: RestEditor.wholeNumber(1),
    },
    prepare: function (node) {
      $('#rest-grid-columns')
        .css({ 'min-height': '110px', 'min-width': '420px' })
        .editableList({
          addItem: function (row, index, data) {
            row.css({ display: 'flex', gap: '8px' });
            $('<input/>', { type: 'text', class: 'rest-col-name', placeholder: 'column name' })
              .css({ flex: '1 1 35%' })
              .val(data.name || '')
              .appendTo(row);
            $('<input/>', {
              type: 'text',
              class: 'rest-col-path',
              placeholder: 'JSONPath on the row, e.g. $.address.city',
            })
              .css({ flex: '1 1 65%' })
              .val(data.path || '')
              .appendTo(row);
          },
          removable: true,
          sortable: true,
        });
      (node.columns || []).forEach(function (c) {
        $('#rest-grid-columns').editableList('addItem', c);
      });

      function updatePaging() {
        var used = PAGING_FIELDS[$('#node-input-paging').val()] || [];
        $('.rest-grid-paging').each(function () {
          $(this).toggle(used.indexOf($(this).data('field')) !== -1);
        });
      }
      $('#node-input-paging').on('change', updatePaging);
      updatePaging();

      RestEditor.showNumbers(node, NUMBER_FIELDS, 'rest-grid-', DEFINITIONS);
    },
    save: function (node) {
      node.columns = [];
      $('#rest-grid-columns')
        .editableList('items')
        .each(function () {
          var name = $(this).find('.rest-col-name').val().trim();
          if (name) node.columns.push({ name: name, path: $(this).find('.rest-col-path').val().trim() });
        });
      RestEditor.saveNumbers(node, NUMBER_FIELDS, 'rest-grid-');
    },
  });
})();
