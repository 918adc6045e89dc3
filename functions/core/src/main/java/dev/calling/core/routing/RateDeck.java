package dev.calling.core.routing;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * A rate deck compiled for longest-prefix lookup: a digit trie stored in flat arrays (ten child
 * slots per node), each node holding the rates of its prefix sorted by effective date. A lookup
 * walks at most 15 nodes (the longest E.164 number) and allocates nothing but its result.
 */
public final class RateDeck {

    private static final int NONE = 0;

    private int[] children;
    private Rate[][] rates;
    private int nodes;
    private final int size;
    private final Currency currency;

    private RateDeck(Collection<Rate> entries) {
        children = new int[Math.max(16, entries.size() * 2) * 10];
        rates = new Rate[Math.max(16, entries.size() * 2)][];
        nodes = 1; // node 0 is the root
        List<Rate> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Rate::effectiveFrom));
        for (Rate rate : sorted) {
            add(rate);
        }
        size = entries.size();
        currency = sorted.isEmpty() ? null : sorted.get(0).perMinute().currency();
        children = Arrays.copyOf(children, nodes * 10);
        rates = Arrays.copyOf(rates, nodes);
    }

    public static RateDeck of(Collection<Rate> rates) {
        return new RateDeck(rates);
    }

    private void add(Rate rate) {
        int node = 0;
        String prefix = rate.prefix();
        for (int i = 0; i < prefix.length(); i++) {
            int slot = node * 10 + (prefix.charAt(i) - '0');
            if (children[slot] == NONE) {
                if (nodes == rates.length) {
                    children = Arrays.copyOf(children, nodes * 20);
                    rates = Arrays.copyOf(rates, nodes * 2);
                }
                children[slot] = nodes++;
            }
            node = children[slot];
        }
        Rate[] existing = rates[node];
        if (existing != null) {
            for (Rate r : existing) {
                if (r.effectiveFrom().equals(rate.effectiveFrom())) {
                    throw new IllegalArgumentException("two rates for prefix " + rate.prefix() + " from " + rate.effectiveFrom());
                }
            }
        }
        Rate[] grown = existing == null ? new Rate[1] : Arrays.copyOf(existing, existing.length + 1);
        grown[grown.length - 1] = rate;
        rates[node] = grown;
    }

    /** The rate of the longest prefix of {@code e164Digits} that is in effect on {@code day}. */
    public Optional<Rate> lookup(String e164Digits, LocalDate day) {
        Rate best = null;
        int node = 0;
        for (int i = 0; i < e164Digits.length(); i++) {
            int digit = e164Digits.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new IllegalArgumentException("not E.164 digits: " + e164Digits);
            }
            node = children[node * 10 + digit];
            if (node == NONE) {
                break;
            }
            Rate effective = effectiveOn(rates[node], day);
            if (effective != null) {
                best = effective;
            }
        }
        return Optional.ofNullable(best);
    }

    private static Rate effectiveOn(Rate[] candidates, LocalDate day) {
        if (candidates == null) {
            return null;
        }
        for (int i = candidates.length - 1; i >= 0; i--) {
            if (!candidates[i].effectiveFrom().isAfter(day)) {
                return candidates[i];
            }
        }
        return null;
    }

    /** The currency of the deck's prices (of its first line: a deck read from CSV has one), none for an empty deck. */
    public Optional<Currency> currency() {
        return Optional.ofNullable(currency);
    }

    /** Number of rate lines. */
    public int size() {
        return size;
    }

    /** Trie nodes, for sizing. */
    public int nodeCount() {
        return nodes;
    }
}
