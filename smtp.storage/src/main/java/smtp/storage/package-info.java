/**
 * File-system helpers shared by the bundles that write mail to disk (the
 * delivery service's Maildirs, the file spool): group-committed directory
 * syncs and the telling apart of storage and content failures. Not a bundle of
 * its own: each user embeds this package privately (bnd
 * {@code -conditionalpackage}), so that no bundle depends on another's
 * internals.
 */
package smtp.storage;
