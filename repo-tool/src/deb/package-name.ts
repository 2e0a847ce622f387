// Debian package names (Debian Policy §5.6.1 "Source" and §5.6.7 "Package"): at least two
// characters, lowercase letters, digits, '+', '-' and '.', starting with a letter or digit.
// Binary and source package names share the rule.

export const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
