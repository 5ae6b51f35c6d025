/**
 * What a matched request is allowed to do before it goes upstream: basic authentication (plain passwords and SHA-512
 * crypt hashes) and the redirects and refusals a rule asks for. Pure decisions; the proxy turns them into responses.
 */
package dev.ballast.dataplane.access;
