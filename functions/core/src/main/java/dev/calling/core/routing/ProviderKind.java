package dev.calling.core.routing;

/** What a carrier carries: app-to-app VoIP, or calls to the public phone network. */
public enum ProviderKind {
    VOIP,
    PSTN
}
