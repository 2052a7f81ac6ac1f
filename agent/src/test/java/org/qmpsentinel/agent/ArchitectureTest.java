package org.qmpsentinel.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The agent's data flows one way: discovery → supervisors → listeners (metrics, alerting,
 * remediation) and the API. These rules fail the build when a downstream component reaches back
 * upstream, e.g. alerting reading the registry or remediation calling a supervisor.
 */
class ArchitectureTest {
  private static final JavaClasses AGENT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("org.qmpsentinel.agent");

  @Test
  void layersOnlyDependOnWhatIsUpstreamOfThem() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("wiring")
        .definedBy("org.qmpsentinel.agent")
        .layer("config")
        .definedBy("org.qmpsentinel.agent.config..")
        .layer("discovery")
        .definedBy("org.qmpsentinel.agent.discovery..")
        .layer("supervisor")
        .definedBy("org.qmpsentinel.agent.supervisor..")
        .layer("listeners")
        .definedBy(
            "org.qmpsentinel.agent.metrics..",
            "org.qmpsentinel.agent.alert..",
            "org.qmpsentinel.agent.remediation..")
        .layer("proxy")
        .definedBy("org.qmpsentinel.agent.proxy..")
        .layer("api")
        .definedBy("org.qmpsentinel.agent.api..")
        .whereLayer("wiring")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("proxy")
        .mayOnlyBeAccessedByLayers("wiring", "api")
        .whereLayer("api")
        .mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("listeners")
        .mayOnlyBeAccessedByLayers("wiring")
        .whereLayer("supervisor")
        .mayOnlyBeAccessedByLayers("wiring", "config", "listeners", "proxy", "api")
        .whereLayer("discovery")
        .mayOnlyBeAccessedByLayers("wiring", "supervisor")
        .check(AGENT);
  }

  @Test
  void listenersOnlyHearFromSupervisorsAndNeverCallThem() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "org.qmpsentinel.agent.metrics..",
            "org.qmpsentinel.agent.alert..",
            "org.qmpsentinel.agent.remediation..")
        .should()
        .dependOnClassesThat()
        .haveSimpleName("VmSupervisor")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleName("VmRegistry")
        .check(AGENT);
  }

  @Test
  void listenersDoNotDependOnEachOther() {
    noClasses()
        .that()
        .resideInAPackage("org.qmpsentinel.agent.alert..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.qmpsentinel.agent.metrics..", "org.qmpsentinel.agent.remediation..")
        .check(AGENT);
    noClasses()
        .that()
        .resideInAPackage("org.qmpsentinel.agent.remediation..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.qmpsentinel.agent.metrics..", "org.qmpsentinel.agent.alert..")
        .check(AGENT);
  }
}
