'use strict';
// Loads the native addon (build/libipc.node beside lib/ in the package) once per
// environment (the main thread and each worker_thread get their own instance)
// and hands it the error class it throws.
//
// LIBIPC_NODE_ADDON=/path/to/libipc.node overrides the location (the tests use
// it: inside bindings/node, require('libipc') resolves to the source tree, as a
// package's own name always does, and the addon lives in the build tree).
const path = require('node:path');
const { IpcError } = require('./errors');

const addonPath = process.env.LIBIPC_NODE_ADDON || path.join(__dirname, '..', 'build', 'libipc.node');
const native = require(addonPath);
native.setErrorClass(IpcError);
IpcError._bind(native);

module.exports = native;
