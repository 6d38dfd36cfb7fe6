"""Qt-free, torch-free domain code: documents, regions, tasks, jobs, results, rendering, exports."""
