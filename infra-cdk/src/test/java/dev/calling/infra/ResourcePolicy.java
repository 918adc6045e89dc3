package dev.calling.infra;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A small evaluator of one resource policy from a template, as IAM evaluates it for a request from an AWS
 * service principal: an explicit Deny wins, otherwise some Allow must match, otherwise the request is refused.
 * CloudFormation values are compared rendered ({@link LeastPrivilegeTest#render}: {@code <AWS::AccountId>},
 * {@code <Rule.Arn>}), so a request's context is written the same way. Enough IAM for the topic and queue
 * policies of this app (Bool, String and Arn operators, {@code *} and {@code ?} wildcards); an operator it does
 * not know fails the test instead of being guessed.
 */
public record ResourcePolicy(JsonNode document) {

    /** A request: who (a service principal), what, on which resource (rendered), with which context keys. */
    public record Request(String service, String action, String resource, Map<String, String> context) {}

    public boolean allows(Request request) {
        boolean allowed = false;
        for (JsonNode statement : list(document.path("Statement"))) {
            if (!matches(statement, request)) {
                continue;
            }
            if (statement.path("Effect").asText().equals("Deny")) {
                return false;
            }
            allowed = true;
        }
        return allowed;
    }

    private static boolean matches(JsonNode statement, Request request) {
        return principalMatches(statement.path("Principal"), request.service())
                && list(statement.path("Action")).stream().anyMatch(a -> wildcard(a.asText(), request.action()))
                && list(statement.path("Resource")).stream()
                        .anyMatch(r -> wildcard(LeastPrivilegeTest.render(r), request.resource()))
                && conditionsMatch(statement.path("Condition"), request.context());
    }

    private static boolean principalMatches(JsonNode principal, String service) {
        if (principal.isTextual()) {
            return principal.asText().equals("*");
        }
        if (list(principal.path("AWS")).stream().anyMatch(p -> p.asText().equals("*"))) {
            return true;
        }
        return list(principal.path("Service")).stream().anyMatch(p -> p.asText().equals(service));
    }

    private static boolean conditionsMatch(JsonNode conditions, Map<String, String> context) {
        var operators = conditions.fields();
        while (operators.hasNext()) {
            var operator = operators.next();
            var keys = operator.getValue().fields();
            while (keys.hasNext()) {
                var key = keys.next();
                String actual = context.get(key.getKey());
                List<String> expected = list(key.getValue()).stream().map(LeastPrivilegeTest::render).toList();
                if (actual == null || expected.stream().noneMatch(value -> compare(operator.getKey(), value, actual))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean compare(String operator, String expected, String actual) {
        return switch (operator) {
            case "Bool", "StringEquals", "ArnEquals" -> expected.equals(actual);
            case "StringLike", "ArnLike" -> wildcard(expected, actual);
            default -> throw new AssertionError("condition operator " + operator + " not evaluated here");
        };
    }

    private static boolean wildcard(String pattern, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(switch (c) {
                case '*' -> ".*";
                case '?' -> ".";
                default -> Pattern.quote(String.valueOf(c));
            });
        }
        return value.matches(regex.toString());
    }

    private static List<JsonNode> list(JsonNode node) {
        List<JsonNode> values = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(values::add);
        } else if (!node.isMissingNode()) {
            values.add(node);
        }
        return values;
    }
}
