"""The compile-time rules: RestrictedPython's, plus the AST rewriting the time limit and size checks need."""

import ast
from collections.abc import Iterable
from typing import cast

from RestrictedPython.transformer import IOPERATOR_TO_STR, RestrictingNodeTransformer, copy_locations

from engine.bpmn.sandbox.builtins import _EXCEPTIONS, _NOT_AVAILABLE

_CHECKED_OPERATORS = {ast.Pow: "_sf_pow_", ast.Mult: "_sf_mul_", ast.LShift: "_sf_lshift_",
                      ast.Add: "_sf_add_", ast.Mod: "_sf_mod_"}
# What RestrictedPython's visit_* methods return. Those this module calls change the node in place and
# return it: the casts below say so.
Visited = ast.AST | Iterable[ast.AST] | None


def _name(name: str, node: ast.stmt | ast.expr | ast.excepthandler) -> ast.Name:
    new = ast.Name(name, ast.Load())
    copy_locations(new, node)
    return new


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's rules, plus what an in-thread time limit and size checks need."""

    def visit_Import(self, node: ast.AST) -> None:
        self.error(node, "Imports are not allowed; scripts use only the names the engine provides.")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.AST) -> None:
        self.error(node, "Class definitions are not allowed in scripts.")

    def visit_With(self, node: ast.AST) -> None:
        self.error(node, "The with statement is not allowed in scripts.")

    def visit_Try(self, node: ast.Try) -> Visited:
        if node.finalbody:  # after a timeout the tracer is gone: a finally block could loop forever
            self.error(node, "A finally block is not allowed in scripts.")
        return super().visit_Try(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        names = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type] if node.type else []
        if not all(isinstance(name, ast.Name) and name.id in _EXCEPTIONS for name in names):
            self.error(node, f"An except clause may only name these errors: {', '.join(_EXCEPTIONS)}.")
            return node
        node = cast(ast.ExceptHandler, super().visit_ExceptHandler(node))
        # Looked up in a dict scripts cannot rebind, so evaluating the clause never runs script code.
        caught = [name.id for name in names if isinstance(name, ast.Name)] or ["Exception"]
        lookups: list[ast.expr] = [ast.Subscript(_name("_sf_exceptions_", node), ast.Constant(name), ast.Load())
                                   for name in caught]
        node.type = ast.Tuple(lookups, ast.Load())
        copy_locations(node.type, node)
        check = ast.Expr(ast.Call(_name("_sf_caught_", node), [], []))
        copy_locations(check, node)
        node.body.insert(0, check)
        return node

    def visit_Yield(self, node: ast.AST) -> None:
        # A suspended generator is finished by the garbage collector, which swallows the tracer's _Stop.
        self.error(node, "Generators (yield) are not allowed in scripts.")

    visit_YieldFrom = visit_Yield

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.AST:
        # Evaluated at once instead, for the reason in visit_Yield.
        node = cast(ast.GeneratorExp, super().visit_GeneratorExp(node))
        eager = ast.ListComp(node.elt, node.generators)
        copy_locations(eager, node)
        return eager

    def visit_Call(self, node: ast.Call) -> Visited:
        if isinstance(node.func, ast.Name) and node.func.id in _NOT_AVAILABLE:
            self.error(node, f'"{node.func.id}()" is not available in scripts.')
        return super().visit_Call(node)

    def visit_Subscript(self, node: ast.Subscript) -> Visited:
        if isinstance(node.ctx, ast.Store) and isinstance(node.slice, ast.Slice):
            self.error(node, "Assigning to a slice is not allowed; build a new list instead.")
        return super().visit_Subscript(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> Visited:
        target = node.target
        if not isinstance(target, ast.Subscript) or isinstance(target.slice, ast.Slice):
            return super().visit_AugAssign(node)
        op = ast.Constant(IOPERATOR_TO_STR[type(node.op)])
        args = [self.visit(target.value), self.visit(target.slice), op, self.visit(node.value)]
        new = ast.Expr(ast.Call(_name("_sf_augitem_", node), args, []))
        copy_locations(new, node)
        return new

    def visit_While(self, node: ast.While) -> ast.AST:
        node = cast(ast.While, super().visit_While(node))
        # `while True: pass` jumps to itself, and CPython emits no line event for that: give the loop a step.
        tick = ast.Expr(_name("_sf_tick_", node))
        copy_locations(tick, node)
        node.body.insert(0, tick)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        node = cast(ast.BinOp, super().visit_BinOp(node))
        helper = _CHECKED_OPERATORS.get(type(node.op))
        if helper is None:
            return node
        call = ast.Call(_name(helper, node), [node.left, node.right], [])
        copy_locations(call, node)
        return call

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        node = cast(ast.FormattedValue, super().visit_FormattedValue(node))
        if node.format_spec is None:
            return node
        args = [node.value, ast.Constant(node.conversion), node.format_spec]
        new = ast.FormattedValue(ast.Call(_name("_sf_format_", node), args, []), -1, None)
        copy_locations(new, node)
        return new
