'use strict';
// Stands in for `node-gyp-build` inside HALF's bundles (scripts/bundle-daemon.ts aliases the
// package name to this file). The `netlink` package loads its N-API binding with
// require('node-gyp-build')(__dirname + '/..'); in a bundle __dirname is not netlink's folder,
// so the binding is looked up instead in netlink/ next to the bundle, with node-gyp-build's own
// rules (prebuilds/<platform>-<arch>/<runtime tags>.node): on a node that is
// /usr/lib/half/netlink/prebuilds/linux-x64/node.napi.node (linux-arm64 on arm64).
// __half_bundle_dir is defined by the bundle's banner (the folder of the running .js file).
const path = require('node:path');
const nodeGypBuild = require('../../node_modules/node-gyp-build/node-gyp-build.js');

/* global __half_bundle_dir */
module.exports = function loadNetlinkBinding() {
  return nodeGypBuild(path.join(__half_bundle_dir, 'netlink'));
};
