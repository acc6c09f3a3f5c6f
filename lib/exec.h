/*
 * The exec family: the report of the image about to be replaced is written
 * first (exec never returns to run exit handlers), then glibc's function
 * runs; if it fails, the image goes on and reports again at its exit.
 */
#ifndef FP_EXEC_H
#define FP_EXEC_H

/**
 * fp_exec_execve() - execve(2) after the report.
 * Context: the program's exec call, outside malloc: the report is written
 * first.
 */
int fp_exec_execve(const char *path, char *const argv[], char *const envp[]);

/**
 * fp_exec_execv() - execv(3) after the report.
 * Context: the program's exec call, outside malloc: the report is written
 * first.
 */
int fp_exec_execv(const char *path, char *const argv[]);

/**
 * fp_exec_execvp() - execvp(3) after the report.
 * Context: the program's exec call, outside malloc: the report is written
 * first.
 */
int fp_exec_execvp(const char *file, char *const argv[]);

/**
 * fp_exec_execvpe() - execvpe(3) after the report.
 * Context: the program's exec call, outside malloc: the report is written
 * first.
 */
int fp_exec_execvpe(const char *file, char *const argv[], char *const envp[]);

/**
 * fp_exec_fexecve() - fexecve(3) after the report.
 * Context: the program's exec call, outside malloc: the report is written
 * first.
 */
int fp_exec_fexecve(int fd, char *const argv[], char *const envp[]);

#endif
