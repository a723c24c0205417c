from .launch import ToolError, run_tool, test, train

__all__ = ['ToolError', 'run_tool', 'test', 'train']
