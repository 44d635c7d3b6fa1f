'use strict';
/**
 * `bench-sink`: the end of every benchmarked flow. It hands each message it receives to the
 * benchmark (an EventEmitter on this module) and completes it; nothing else, so it costs the
 * same for every variant.
 */
const { EventEmitter } = require('node:events');

const arrivals = new EventEmitter();
arrivals.setMaxListeners(0);

module.exports = function registerBenchSink(RED) {
  function BenchSink(config) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg, send, done) => {
      arrivals.emit('message', this.id, msg);
      done();
    });
  }
  RED.nodes.registerType('bench-sink', BenchSink);
};
module.exports.arrivals = arrivals;
