/* floorjudge: lets `int main(int argc, char *argv[], char *envp[])`, which
   gcc accepts, run on wasi-libc, whose start code calls main with two
   arguments (a three-argument main would trap at start). Linked only into
   programs whose main takes three arguments. */
extern char **environ;
int main(int, char **, char **);
int __main_argc_argv(int argc, char **argv) {
    return main(argc, argv, environ);
}
