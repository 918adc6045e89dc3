package dev.calling.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The dependency rule: the domain core knows nothing of AWS, Quarkus, Lambda or any framework;
 * besides the JDK it may use only libphonenumber (E.164 rules).
 */
@AnalyzeClasses(packages = "dev.calling.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule coreHasNoInfrastructureImports = noClasses()
            .that().resideInAPackage("dev.calling.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "software.amazon..", "com.amazonaws..", "io.quarkus..", "jakarta..", "javax.inject..",
                    "com.fasterxml..", "io.vertx..", "org.slf4j..", "org.jboss..");

    @ArchTest
    static final ArchRule coreUsesOnlyTheJdkAndItself = noClasses()
            .that().resideInAPackage("dev.calling.core..")
            .should().dependOnClassesThat()
            .resideOutsideOfPackages("dev.calling.core..", "java..", "com.google.i18n.phonenumbers..");
}
