"""ruleengine: legal rules as text, compiled once, evaluated and explained."""
