/* exported RestJsonTree */
/**
 * A response as a collapsible JSON tree for the grid and scalar Preview: every node carries its
 * JSONPath (`data-path`, e.g. `$.data.items[0].name`), and clicking a node's line hands its path
 * (as segments) and value to `onPick`. Children are built when a node is first opened, so a
 * large body costs nothing until it is explored.
 *
 * scripts/build.js puts this file before preview-panel.js, in the query nodes' editor scope.
 */
var RestJsonTree = (function () {
  'use strict';

  var IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

  /** `$.data.items[0]['odd key']` from ['data', 'items', 0, 'odd key']. */
  function pathText(segments) {
    return (
      '$' +
      segments
        .map(function (segment) {
          if (typeof segment === 'number') return '[' + segment + ']';
          if (IDENTIFIER.test(segment)) return '.' + segment;
          return "['" + segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "']";
        })
        .join('')
    );
  }

  /**
   * The segments of a simple path (`$`, `$.a.b`, `a.b`, `$['a'][0]`), with `elements` true when
   * it ends in `[*]` or `.*`; null for anything else (filters, recursive descent, unions).
   */
  function parsePath(text) {
    var rest = String(text || '$').trim();
    if (rest === '' || rest === '$') return { segments: [], elements: false };
    if (rest.charAt(0) === '$') rest = rest.slice(1);
    else if (rest.charAt(0) !== '.' && rest.charAt(0) !== '[') rest = '.' + rest;
    var segments = [];
    var elements = false;
    var token =
      /^(?:\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|(\.\*|\[\*\]))/;
    while (rest.length) {
      if (elements) return null;
      var match = token.exec(rest);
      if (!match) return null;
      if (match[1] !== undefined) segments.push(match[1]);
      else if (match[2] !== undefined) segments.push(Number(match[2]));
      else if (match[3] !== undefined) segments.push(match[3].replace(/\\(.)/g, '$1'));
      else if (match[4] !== undefined) segments.push(match[4].replace(/\\(.)/g, '$1'));
      else elements = true;
      rest = rest.slice(match[0].length);
    }
    return { segments: segments, elements: elements };
  }

  /** The value at `segments` in `value`; undefined when it is not there. */
  function valueAt(value, segments) {
    var current = value;
    for (var i = 0; i < segments.length; i++) {
      if (current === null || typeof current !== 'object') return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, segments[i])) return undefined;
      current = current[segments[i]];
    }
    return current;
  }

  function summary(value) {
    if (Array.isArray(value)) return '[' + value.length + ']';
    if (value !== null && typeof value === 'object') return '{' + Object.keys(value).length + '}';
    var text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 120 ? text.slice(0, 119) + '…' : text;
  }

  function kindOf(value) {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'array';
    return typeof value;
  }

  function buildNode(key, value, segments, options, depth) {
    var container = value !== null && typeof value === 'object';
    var element = $('<div class="rest-json-node"></div>')
      .attr('data-path', pathText(segments))
      .attr('data-kind', kindOf(value));
    var line = $('<div class="rest-json-line"></div>').appendTo(element);
    var toggle = $('<span class="rest-json-toggle"></span>').appendTo(line);
    if (key !== undefined) {
      $('<span class="rest-json-key"></span>')
        .text(typeof key === 'number' ? key : key + ':')
        .appendTo(line);
    }
    $('<span class="rest-json-value"></span>')
      .addClass('rest-json-' + kindOf(value))
      .text(summary(value))
      .appendTo(line);
    line.attr('title', options.title ? options.title(segments, value) : pathText(segments));
    line.on('click', function (event) {
      if ($(event.target).is('.rest-json-toggle')) return;
      options.onPick(segments, value);
    });
    if (!container) return element;
    var children = $('<div class="rest-json-children"></div>').appendTo(element);
    var built = false;
    function open(shown) {
      if (shown && !built) {
        built = true;
        var keys = Array.isArray(value)
          ? value.map(function (item, index) {
              return index;
            })
          : Object.keys(value);
        keys.forEach(function (childKey) {
          buildNode(childKey, value[childKey], segments.concat([childKey]), options, depth + 1).appendTo(children);
        });
      }
      children.toggle(shown);
      element.toggleClass('rest-json-open', shown);
      toggle.html(shown ? '&#9662;' : '&#9656;');
    }
    toggle.on('click', function () {
      open(!element.hasClass('rest-json-open'));
    });
    open(depth < (options.openDepth === undefined ? 2 : options.openDepth));
    return element;
  }

  /** Shows `value` as a tree in `target` (emptied first); `options.onPick(segments, value)` on a click. */
  function render(target, value, options) {
    $(target).empty().addClass('rest-json-tree');
    buildNode(undefined, value, [], options, 0).appendTo(target);
  }

  return { render: render, pathText: pathText, parsePath: parsePath, valueAt: valueAt };
})();
