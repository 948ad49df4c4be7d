/**
 * The hand-off of OSGi events from the threads that serve mail to EventAdmin, in order, through one thread. Not a
 * bundle of its own: each user embeds this package privately (bnd {@code -conditionalpackage}), so that no bundle
 * depends on another's internals.
 */
package smtp.eventqueue;
