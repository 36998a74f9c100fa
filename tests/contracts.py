"""A custom import-linter contract: no import cycles between modules, anywhere in app/.

import-linter's own `acyclic_siblings` looks at the siblings of a package (each squashed
with its descendants), so a circle through modules of different packages, such as
meetings.services -> jobs.notifications -> ... -> meetings.mail -> meetings.services,
only shows as a cycle between the top-level packages, which hold many harmless back and
forth imports (app.jobs offers `enqueue` to everyone and runs jobs that use their
modules). This contract checks what we mean: no module reaches itself through its own
imports (imports inside functions count). Registered in .importlinter as `acyclic_modules`.
"""
from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def import_cycles(graph, modules):
    """The strongly connected components (more than one module) of the import graph, each
    as a sorted list of module names; Tarjan's algorithm, iterative."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    counter = 0
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return sorted(cycles)


def _example_cycle(graph, component):
    """One circle through the first module of a component: a -> b -> ... -> a."""
    start = component[0]
    members = set(component)
    for imported in sorted(graph.find_modules_directly_imported_by(start)):
        if imported not in members:
            continue
        chain = graph.find_shortest_chain(importer=imported, imported=start)
        if chain:
            return [start, *chain]
    return component


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore
        )
        root = self.session_options["root_packages"] if "root_packages" in self.session_options \
            else [self.session_options["root_package"]]
        modules = {module for package in root for module in graph.find_descendants(package) | {package}}
        cycles = import_cycles(graph, modules)
        return ContractCheck(
            kept=not cycles,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": [_example_cycle(graph, component) for component in cycles],
                      "components": cycles},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for circle, component in zip(check.metadata["cycles"], check.metadata["components"]):
            output.print_error(f"Import cycle between {len(component)} modules: {', '.join(component)}")
            output.print_error("  for example " + " -> ".join(circle))
            output.new_line()
