/**
 * What a matched request is allowed to do before it goes upstream: basic authentication (plain passwords and SHA-512
 * crypt hashes) and the redirects and refusals a rule asks for. Pure decisions; the proxy turns them into responses.
 * {@link dev.ballast.dataplane.access.UserDirectory} says whose credentials guard each rule: the replica's global
 * users and the {@code usersSecret} files, both read by the replica itself, never on a request.
 */
package dev.ballast.dataplane.access;
