from glmocr_desktop.app import main

raise SystemExit(main())
